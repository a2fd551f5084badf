import { buildUnit } from '../../src/units/unit.js';
import type { UnitWithText } from '../../src/registry/index.js';

/** The chaos run's units: plain, template instances spread by Conflicts, MachineOf pairs, two globals. */
export interface ChaosWorkload {
  readonly units: readonly UnitWithText[];
  readonly globals: readonly string[];
  readonly ordinary: readonly string[];
}

const SLEEP = '[Service]\nExecStart=/bin/sleep 100000\n';

function record(name: string, xfleet: string): UnitWithText {
  const u = buildUnit(name, `${SLEEP}${xfleet ? `\n[X-Fleet]\n${xfleet}\n` : ''}`);
  return { name: u.name, options: u.options, text: u.text, hash: u.hash };
}

/**
 * About `total` units for `hosts` hosts: 2 globals, `hosts - 1` instances of
 * `chaos-web@.service` with `Conflicts=chaos-web@*` (so they still fit with
 * one host lost), a tenth as `chaos-app-N` + `chaos-side-N` MachineOf pairs,
 * the rest plain.
 */
export function chaosWorkload(total: number, hosts: number): ChaosWorkload {
  const units: UnitWithText[] = [];
  const globals = ['chaos-global-a.service', 'chaos-global-b.service'];
  for (const g of globals) units.push(record(g, 'Global=true'));
  const web = Math.max(1, Math.min(hosts - 1, total));
  for (let i = 1; i <= web; i++) units.push(record(`chaos-web@${i}.service`, 'Conflicts=chaos-web@*.service'));
  const pairs = Math.max(1, Math.floor(total / 20));
  for (let i = 1; i <= pairs; i++) {
    units.push(record(`chaos-app-${i}.service`, ''));
    units.push(record(`chaos-side-${i}.service`, `MachineOf=chaos-app-${i}.service`));
  }
  const plain = Math.max(0, total - units.length);
  for (let i = 1; i <= plain; i++) units.push(record(`chaos-plain-${String(i).padStart(3, '0')}.service`, ''));
  const ordinary = units.map((u) => u.name).filter((n) => !globals.includes(n));
  return { units, globals, ordinary };
}
