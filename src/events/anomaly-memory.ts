/**
 * The anomaly detectors' memory as the engine leader keeps it in etcd
 * (`engine/anomaly-memory`), so that a new leader goes on counting restarts
 * and waiting times where the previous one was instead of starting empty.
 */
import type { AnomalyMemory } from './anomalies.js';

/** The stored form: the memory as JSON with a format version. */
export function encodeAnomalyMemory(m: AnomalyMemory): string {
  return JSON.stringify({ version: 1, ...m });
}

/**
 * Reads a stored memory.
 * @returns the memory, or a reason it cannot be used (another format, a malformed field): the detector then starts empty.
 */
export function decodeAnomalyMemory(raw: string): AnomalyMemory | { readonly problem: string } {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(raw) as Record<string, unknown>;
  } catch (err) {
    return { problem: `not JSON (${(err as Error).message})` };
  }
  if (typeof o !== 'object' || o === null || o['version'] !== 1) return { problem: `unknown format ${JSON.stringify((o as { version?: unknown } | null)?.version)}` };
  const str = (v: unknown): v is string => typeof v === 'string';
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const rows = (field: string, ok: (row: unknown[]) => boolean): unknown[][] | undefined => {
    const v = o[field];
    return Array.isArray(v) && v.every((r) => Array.isArray(r) && ok(r)) ? (v as unknown[][]) : undefined;
  };
  const failing = rows('failing', (r) => r.length === 2 && str(r[0]) && str(r[1]));
  const restarts = rows('restarts', (r) => r.length === 4 && str(r[0]) && str(r[1]) && Array.isArray(r[2]) && r[2].every(num) && num(r[3]));
  const flapQuiet = rows('flapQuiet', (r) => r.length === 3 && str(r[0]) && str(r[1]) && num(r[2]));
  const unplaced = rows('unplaced', (r) => r.length === 4 && str(r[0]) && num(r[1]) && str(r[2]) && typeof r[3] === 'boolean');
  const left = rows('left', (r) => r.length === 2 && str(r[0]) && num(r[1]));
  const bad = Object.entries({ failing, restarts, flapQuiet, unplaced, left }).find(([, v]) => v === undefined);
  if (bad !== undefined) return { problem: `field ${bad[0]} is malformed` };
  return { failing, restarts, flapQuiet, unplaced, left } as unknown as AnomalyMemory;
}
