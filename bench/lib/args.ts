/**
 * Command-line and environment options of the benchmarks: `--name value`,
 * `--name=value` or `FLEET_BENCH_NAME=value` (the flag wins).
 */
export class BenchArgs {
  private readonly flags = new Map<string, string>();

  /** Parses `argv` (without node and script). Bare `--flag` means `true`. */
  constructor(argv: readonly string[] = process.argv.slice(2)) {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (!a.startsWith('--')) continue;
      const eq = a.indexOf('=');
      if (eq > 0) this.flags.set(a.slice(2, eq), a.slice(eq + 1));
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) this.flags.set(a.slice(2), argv[++i]!);
      else this.flags.set(a.slice(2), 'true');
    }
  }

  /** The raw value of `name`; undefined when neither flag nor variable is set. */
  string(name: string): string | undefined {
    return this.flags.get(name) ?? process.env[`FLEET_BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  }

  /** A number option; `fallback` when unset. Throws RangeError when set but not a number. */
  number(name: string, fallback: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new RangeError(`--${name} must be a number, got ${JSON.stringify(raw)}`);
    return n;
  }

  /** A comma-separated list option; `fallback` when unset. */
  list(name: string, fallback: readonly string[]): string[] {
    const raw = this.string(name);
    return raw === undefined ? [...fallback] : raw.split(',').map((s) => s.trim()).filter(Boolean);
  }

  /** A boolean option (`true`/`1`/`yes`); `fallback` when unset. */
  bool(name: string, fallback: boolean): boolean {
    const raw = this.string(name);
    return raw === undefined ? fallback : /^(1|true|yes)$/i.test(raw);
  }
}
