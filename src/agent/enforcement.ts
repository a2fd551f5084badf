/**
 * Enforcement (policy `"enforce": true`): a unit that reserves cpu or memory
 * with `Resources=` but sets no limit of its own gets fleet's runtime
 * drop-in with the matching systemd limit, so it cannot take more than it
 * reserved: cpu cores -> `CPUQuota=` (cores x 100%), memory -> `MemoryMax=`
 * (bytes). A limit the unit sets itself (`CPUQuota=`, `MemoryMax=` or
 * `MemoryLimit=`, whatever the value) is left alone. Pure.
 */
import { UnitError } from '../units/errors.js';
import { parseUnitFile } from '../units/parser.js';
import { extractRequirements } from '../units/xfleet.js';
import { ownLimits } from '../units/resources.js';
import { parseUnitName } from '../units/names.js';

/** The section holding resource-control options, by unit type; other types have no cgroup to limit. */
const LIMIT_SECTION: Readonly<Record<string, string>> = {
  service: 'Service',
  socket: 'Socket',
  mount: 'Mount',
  swap: 'Swap',
  slice: 'Slice',
  scope: 'Scope',
};

/**
 * The text of fleet's drop-in for unit `name` with body `text`; undefined
 * when `enforce` is off, the unit type has no cgroup, the unit reserves
 * neither cpu nor memory, or it sets both limits itself. A body that cannot
 * be read gets none. Never throws (beyond programming errors).
 */
export function enforcementDropIn(name: string, text: string, enforce: boolean): string | undefined {
  if (!enforce) return undefined;
  let section: string | undefined;
  let lines: string[];
  try {
    const type = parseUnitName(name)?.type;
    section = type === undefined ? undefined : LIMIT_SECTION[type];
    if (section === undefined) return undefined;
    const options = parseUnitFile(text);
    const requests = extractRequirements(options, name).requirements.resources ?? {};
    const own = ownLimits(options);
    lines = [];
    const cpu = requests['cpu'];
    if (cpu !== undefined && cpu > 0 && !own.cpu) lines.push(`CPUQuota=${Math.max(1, Math.round(cpu * 100))}%`);
    const memory = requests['memory'];
    if (memory !== undefined && memory > 0 && !own.memory) lines.push(`MemoryMax=${Math.ceil(memory)}`);
  } catch (err) {
    if (!(err instanceof UnitError)) throw err;
    return undefined;
  }
  if (lines.length === 0) return undefined;
  return `# fleet: policy "enforce" limits this unit to what it reserves ([X-Fleet] Resources=)\n[${section}]\n${lines.join('\n')}\n`;
}
