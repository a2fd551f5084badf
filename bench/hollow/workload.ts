import { buildUnit } from '../../src/units/unit.js';
import type { UnitWithText } from '../../src/registry/index.js';
import { machineIdOf } from '../lib/inproc-cluster.js';
import type { HollowMachine } from './protocol.js';

const REGIONS = ['eu', 'us', 'ap'] as const;

/** `count` machines with ids `m…<n>` and metadata `region` (round robin) and `disk=ssd` on every third. */
export function hollowMachines(count: number): HollowMachine[] {
  return Array.from({ length: count }, (_, i) => ({
    id: machineIdOf(i + 1, 'm'),
    metadata: { region: REGIONS[i % REGIONS.length]!, ...(i % 3 === 0 ? { disk: 'ssd' } : {}) },
  }));
}

/** The units of a scale run and how many schedule entries they must produce. */
export interface HollowWorkload {
  readonly units: UnitWithText[];
  /** Schedule entries (= state reports) once everything is placed. */
  readonly expectedEntries: number;
  /** Units per kind, for the printout. */
  readonly mix: Record<string, number>;
}

function record(name: string, xfleet: string, exec = '/bin/sleep 100000'): UnitWithText {
  const u = buildUnit(name, `[Unit]\nDescription=${name}\n\n[Service]\nExecStart=${exec}\n${xfleet ? `\n[X-Fleet]\n${xfleet}\n` : ''}`);
  return { name: u.name, options: u.options, text: u.text, hash: u.hash };
}

/**
 * About `total` units for `machines`: 3 global units (one limited to
 * `region=eu`); `web@N` template instances spread by `Conflicts=web@*`
 * (half as many as machines, so all fit); ~20% pinned to a region, ~5%
 * needing `disk=ssd`; ~5% `app@N` + `app-sidekick@N` MachineOf pairs; the
 * rest plain. Every unit is placeable.
 */
export function hollowWorkload(total: number, machines: readonly HollowMachine[]): HollowWorkload {
  const units: UnitWithText[] = [];
  const mix: Record<string, number> = {};
  const add = (kind: string, u: UnitWithText) => {
    units.push(u);
    mix[kind] = (mix[kind] ?? 0) + 1;
  };
  add('global', record('g-logs.service', 'Global=true'));
  add('global', record('g-metrics.service', 'Global=true'));
  add('global', record('g-eu-proxy.service', 'Global=true\nMachineMetadata=region=eu'));
  const rest = Math.max(0, total - 3);
  const web = Math.min(Math.floor(rest * 0.1), Math.floor(machines.length / 2));
  for (let i = 0; i < web; i++) add('template (Conflicts=web@*)', record(`web@${i}.service`, 'Conflicts=web@*.service'));
  const regional = Math.floor(rest * 0.2);
  for (let i = 0; i < regional; i++) add('metadata (region)', record(`api-${REGIONS[i % 3]}-${i}.service`, `MachineMetadata=region=${REGIONS[i % 3]}`));
  const ssd = machines.some((m) => m.metadata['disk'] === 'ssd') ? Math.floor(rest * 0.05) : 0;
  for (let i = 0; i < ssd; i++) add('metadata (disk=ssd)', record(`db-${i}.service`, 'MachineMetadata=disk=ssd'));
  const pairs = Math.floor((rest * 0.05) / 2);
  for (let i = 0; i < pairs; i++) {
    add('MachineOf pair', record(`app@${i}.service`, ''));
    add('MachineOf pair', record(`app-sidekick@${i}.service`, `MachineOf=app@${i}.service`));
  }
  const plain = Math.max(0, rest - (units.length - 3));
  for (let i = 0; i < plain; i++) add('plain', record(`plain-${i}.service`, ''));
  const eu = machines.filter((m) => m.metadata['region'] === 'eu').length;
  return { units, expectedEntries: units.length - 3 + 2 * machines.length + eu, mix };
}
