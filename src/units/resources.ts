/**
 * What a unit requests of its machine: `[X-Fleet] Resources=` (several lines,
 * quoted as MachineMetadata, `name=value` items separated by whitespace),
 * completed by the unit's own systemd limits when Resources= does not name
 * cpu or memory: `CPUQuota=50%` -> cpu 0.5, `MemoryMax=` (or the legacy
 * `MemoryLimit=`) -> memory. Absolute limits only: `infinity` or a
 * percentage of the host's memory request nothing.
 */
import { parseQuantity, parseResourceItems, type ResourceAmounts } from '../resources/index.js';
import type { UnitOption } from './options.js';
import { goFields, goQuote } from './text.js';

/** One `Resources=` value after multi-value splitting and specifier expansion, with the line it came from. */
export interface ResourcesValue {
  readonly value: string;
  /** The option as written, `Resources=<value>`, for messages. */
  readonly line: string;
  /** `line N: ` when read from a file (see `atLine`), put before its problems; absent otherwise. */
  readonly at?: string;
}

/** What {@link extractResourceRequests} found. */
export interface ResourceRequestsExtraction {
  /** The requests; undefined when the unit requests nothing at all. */
  readonly requests: ResourceAmounts | undefined;
  /** Values that make the unit unusable, each naming the line, the item and what is wrong. */
  readonly problems: readonly string[];
}

/** Sections whose resource-control options systemd honours (fleet units are one of these types). */
const LIMIT_SECTIONS: ReadonlySet<string> = new Set(['Service', 'Socket', 'Mount', 'Swap', 'Slice', 'Scope']);

/**
 * The requests of a unit from its `Resources=` values and its options (for
 * the systemd-limit defaults). A bad item, or a name given twice across
 * lines, is a problem and is left out. Never throws.
 */
export function extractResourceRequests(values: readonly ResourcesValue[], options: readonly UnitOption[]): ResourceRequestsExtraction {
  const requests: Record<string, number> = {};
  const problems: string[] = [];
  for (const { value, line, at = '' } of values) {
    const tokens = goFields(value);
    if (tokens.length === 0) {
      problems.push(`${at}[X-Fleet] ${goQuote(line)}: no name=value items (e.g. Resources=cpu=0.5 memory=256M)`);
      continue;
    }
    for (const token of tokens) {
      const parsed = parseResourceItems([token]);
      for (const p of parsed.problems) problems.push(`${at}[X-Fleet] ${goQuote(line)}: ${p}`);
      for (const [name, amount] of Object.entries(parsed.amounts)) {
        if (name in requests) problems.push(`${at}[X-Fleet] ${goQuote(line)}: ${name} is given more than once`);
        else requests[name] = amount;
      }
    }
  }
  const limits = systemdLimits(options);
  if (!('cpu' in requests) && limits.cpu !== undefined) requests['cpu'] = limits.cpu;
  if (!('memory' in requests) && limits.memory !== undefined) requests['memory'] = limits.memory;
  return { requests: Object.keys(requests).length > 0 ? requests : undefined, problems };
}

/** The limits a unit sets itself; undefined members when it sets none (or none that is absolute). */
export interface SystemdLimits {
  /** Cores, from `CPUQuota=`. */
  readonly cpu?: number;
  /** Bytes, from `MemoryMax=`, else `MemoryLimit=`. */
  readonly memory?: number;
}

/**
 * The unit's own absolute cpu and memory limits, systemd's way: the last
 * assignment wins and an empty one resets. Values systemd would not take as
 * an absolute limit (`infinity`, `50%` of memory, garbage) give none. Never throws.
 */
export function systemdLimits(options: readonly UnitOption[]): SystemdLimits {
  const last = (name: string): string | undefined => {
    let v: string | undefined;
    for (const o of options) if (o.name === name && LIMIT_SECTIONS.has(o.section)) v = o.value.trim() === '' ? undefined : o.value.trim();
    return v;
  };
  const cpu = cpuQuotaCores(last('CPUQuota'));
  const memory = memoryBytes(last('MemoryMax')) ?? memoryBytes(last('MemoryLimit'));
  return { ...(cpu !== undefined ? { cpu } : {}), ...(memory !== undefined ? { memory } : {}) };
}

/**
 * Which limits the unit sets itself, whatever their value (`infinity`
 * included): `cpu` for `CPUQuota=`, `memory` for `MemoryMax=` or
 * `MemoryLimit=`, in a resource-control section, the last assignment not
 * empty. Enforcement leaves these alone. Never throws.
 */
export function ownLimits(options: readonly UnitOption[]): { readonly cpu: boolean; readonly memory: boolean } {
  const set = (name: string): boolean => {
    let on = false;
    for (const o of options) if (o.name === name && LIMIT_SECTIONS.has(o.section)) on = o.value.trim() !== '';
    return on;
  };
  return { cpu: set('CPUQuota'), memory: set('MemoryMax') || set('MemoryLimit') };
}

/** `CPUQuota=150%` -> 1.5 cores (to a thousandth); undefined when unset or not a percentage. */
function cpuQuotaCores(v: string | undefined): number | undefined {
  const m = v === undefined ? null : /^(\d+(?:\.\d+)?)%$/.exec(v);
  if (m === null) return undefined;
  const cores = Math.round(Number(m[1]) * 10) / 1000;
  return cores > 0 ? cores : undefined;
}

/** `MemoryMax=1G` -> bytes; undefined when unset, `infinity`, a percentage or not a size. */
function memoryBytes(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const q = parseQuantity('memory', v);
  return q.ok && q.value > 0 ? q.value : undefined;
}
