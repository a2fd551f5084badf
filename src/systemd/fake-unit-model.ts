/**
 * How the fake driver reads a unit file and predicts what systemd 252 does
 * with it (pure functions). Modelled on what the real user manager does in
 * the sandbox, see `test/contract/systemd-driver.test.ts`:
 *
 * - A `.service` with neither `ExecStart=` nor `ExecStop=` loads as
 *   `bad-setting`, and so does one with several `ExecStart=` unless
 *   `Type=oneshot`. An unknown `Type=` is ignored (systemd logs and loads it).
 * - The first word of `ExecStart=` (prefixes `-@:+!` stripped) decides the
 *   outcome: `false` exits 1, `true` exits 0, anything else keeps running.
 * - Other unit types load and start as `active`/`active`.
 */
export interface FakeUnitDef {
  readonly name: string;
  /** Section -> key -> values in order (repeated keys kept). */
  readonly sections: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
}

/** Where a started unit ends up once its main process has done what it does. */
export interface StartOutcome {
  /** State right after the start job (what systemd reports first). */
  readonly initial: { readonly activeState: string; readonly subState: string; readonly running: boolean };
  /** State after the process exits; undefined = keeps running. */
  readonly final?: { readonly activeState: string; readonly subState: string };
}

/** Parses `key=value` lines per `[Section]`; comments and blank lines skipped, continuations joined. */
export function parseFakeUnit(name: string, text: string): FakeUnitDef {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[') && line.endsWith(']')) {
      const title = line.slice(1, -1);
      current = sections.get(title) ?? new Map();
      sections.set(title, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (value === '') current.delete(key); // an empty assignment resets the list, as in systemd
    else current.set(key, [...(current.get(key) ?? []), value]);
  }
  return { name, sections };
}

/** Last value of `section.key`; undefined when absent. */
export function option(def: FakeUnitDef, section: string, key: string): string | undefined {
  const values = def.sections.get(section)?.get(key);
  return values?.[values.length - 1];
}

/** Every value of `section.key` (space-separated lists split); [] when absent. */
export function optionList(def: FakeUnitDef, section: string, key: string): string[] {
  return (def.sections.get(section)?.get(key) ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);
}

/** `loaded` or `bad-setting`, as systemd would load the definition. */
export function loadStateOf(def: FakeUnitDef): 'loaded' | 'bad-setting' {
  if (!def.name.endsWith('.service')) return 'loaded';
  const starts = def.sections.get('Service')?.get('ExecStart') ?? [];
  const stops = def.sections.get('Service')?.get('ExecStop') ?? [];
  if (starts.length === 0 && stops.length === 0) return 'bad-setting';
  if (starts.length > 1 && option(def, 'Service', 'Type') !== 'oneshot') return 'bad-setting';
  return 'loaded';
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && ['1', 'yes', 'true', 'on'].includes(v.toLowerCase());
}

/** What starting the (loaded) unit leads to. */
export function startOutcome(def: FakeUnitDef): StartOutcome {
  if (!def.name.endsWith('.service')) return { initial: { activeState: 'active', subState: 'active', running: false } };
  const exec = option(def, 'Service', 'ExecStart');
  const program = (exec ?? '').replace(/^[-@:+!]+/, '').split(/\s+/)[0] ?? '';
  const base = program.slice(program.lastIndexOf('/') + 1);
  const exit: 'fail' | 'ok' | undefined = exec === undefined ? 'ok' : base === 'false' ? 'fail' : base === 'true' ? 'ok' : undefined;
  const oneshot = option(def, 'Service', 'Type') === 'oneshot';
  const failed = { activeState: 'failed', subState: 'failed' };
  if (oneshot) {
    // the start job only completes when the process exits; the first report is already the end state
    if (exit === undefined) return { initial: { activeState: 'activating', subState: 'start', running: true } };
    const end = exit === 'fail' ? failed : isTrue(option(def, 'Service', 'RemainAfterExit')) ? { activeState: 'active', subState: 'exited' } : { activeState: 'inactive', subState: 'dead' };
    return { initial: { ...end, running: false } };
  }
  const running = { activeState: 'active', subState: 'running', running: true };
  if (exit === undefined) return { initial: running };
  return { initial: running, final: exit === 'fail' ? failed : { activeState: 'inactive', subState: 'dead' } };
}

/** systemd's carries_install_info: the [Install] section has WantedBy=, RequiredBy=, UpheldBy=, Alias= or Also=. */
export function carriesInstallInfo(def: FakeUnitDef): boolean {
  return ['WantedBy', 'RequiredBy', 'UpheldBy', 'Alias', 'Also'].some((k) => optionList(def, 'Install', k).length > 0);
}
