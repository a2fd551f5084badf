/**
 * The `random` strategy: a pseudo-random order seeded by the unit name, so
 * placement still is a function of the snapshot (deterministic, idempotent).
 */
import type { Scorer } from './scorer.js';

/** FNV-1a of `s`, 32 bits. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** 0..100 from a hash of the unit name and the machine id. */
export const seededRandom: Scorer = {
  name: 'Random',
  score(unit, m, view) {
    return (fnv1a(`${unit.name}\0${view.machines[m]!.id}`) % 10_001) / 100;
  },
};
