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
 *
 * The text is read with the one unit-file parser (`src/units`, through
 * `unit-text.ts`); this file only interprets the options as systemd does.
 */
import { parseLooseBool, type ActiveState, type SubState } from '../domain/index.js';
import { unitTextOptions } from './unit-text.js';

export interface FakeUnitDef {
  readonly name: string;
  /** Section -> key -> values in order (repeated keys kept). */
  readonly sections: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
}

/** Where a started unit ends up once its main process has done what it does. */
export interface StartOutcome {
  /** State right after the start job (what systemd reports first). */
  readonly initial: { readonly activeState: ActiveState; readonly subState: SubState; readonly running: boolean };
  /** State after the process exits; undefined = keeps running. */
  readonly final?: { readonly activeState: ActiveState; readonly subState: SubState };
}

/** Groups the unit's options per section as systemd reads them: a continuation (`\\` newline) is a space, an empty assignment resets the list. */
export function parseFakeUnit(name: string, text: string): FakeUnitDef {
  const sections = new Map<string, Map<string, string[]>>();
  for (const o of unitTextOptions(text)) {
    const current = sections.get(o.section) ?? new Map<string, string[]>();
    sections.set(o.section, current);
    const value = o.value.replace(/\\\r?\n/g, ' ').trim();
    if (value === '') current.delete(o.name);
    else current.set(o.name, [...(current.get(o.name) ?? []), value]);
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

/** What starting the (loaded) unit leads to. */
export function startOutcome(def: FakeUnitDef): StartOutcome {
  if (!def.name.endsWith('.service')) return { initial: { activeState: 'active', subState: 'active', running: false } };
  const exec = option(def, 'Service', 'ExecStart');
  const program = (exec ?? '').replace(/^[-@:+!]+/, '').split(/\s+/)[0] ?? '';
  const base = program.slice(program.lastIndexOf('/') + 1);
  const exit: 'fail' | 'ok' | undefined = exec === undefined ? 'ok' : base === 'false' ? 'fail' : base === 'true' ? 'ok' : undefined;
  const oneshot = option(def, 'Service', 'Type') === 'oneshot';
  const failed = { activeState: 'failed', subState: 'failed' } as const;
  if (oneshot) {
    // the start job only completes when the process exits; the first report is already the end state
    if (exit === undefined) return { initial: { activeState: 'activating', subState: 'start', running: true } };
    const end = exit === 'fail' ? failed : parseLooseBool(option(def, 'Service', 'RemainAfterExit') ?? '') === true ? ({ activeState: 'active', subState: 'exited' } as const) : ({ activeState: 'inactive', subState: 'dead' } as const);
    return { initial: { ...end, running: false } };
  }
  const running = { activeState: 'active', subState: 'running', running: true } as const;
  if (exit === undefined) return { initial: running };
  return { initial: running, final: exit === 'fail' ? failed : ({ activeState: 'inactive', subState: 'dead' } as const) };
}

/** systemd's carries_install_info: the [Install] section has WantedBy=, RequiredBy=, UpheldBy=, Alias= or Also=. */
export function carriesInstallInfo(def: FakeUnitDef): boolean {
  return ['WantedBy', 'RequiredBy', 'UpheldBy', 'Alias', 'Also'].some((k) => optionList(def, 'Install', k).length > 0);
}
