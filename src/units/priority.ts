/**
 * `[X-Fleet] Priority=N` and `Preemptible=` (not in fleet): how important a
 * unit is when the cluster is full. Priority is a whole number from 0 to
 * 1000 (default 0, higher is more important); a unit may be stopped to make
 * room for a unit of strictly higher priority unless it says
 * `Preemptible=false` (default true). Either key given several times: the
 * last one wins (systemd's rule for single-valued options).
 */
import { parseLooseBool } from '../domain/index.js';
import { goQuote } from './text.js';

/** Highest priority a unit may declare. */
export const MAX_PRIORITY = 1000;

/** One `Priority=`/`Preemptible=` value after specifier expansion, with the option as written. */
export interface PriorityValue {
  readonly value: string;
  /** The option as written, `Priority=<value>`, for messages. */
  readonly line: string;
  /** `line N: ` when read from a file (see `atLine`), put before its problems; absent otherwise. */
  readonly at?: string;
}

/** What {@link extractPriority} found. */
export interface PriorityExtraction {
  /** The priority; undefined when `Priority=` is not given (0). */
  readonly priority: number | undefined;
  /** The preemptible flag; undefined when `Preemptible=` is not given (true). */
  readonly preemptible: boolean | undefined;
  /** Values that make the unit unusable, each naming the line and what is wrong. */
  readonly problems: readonly string[];
}

/**
 * Reads the last `Priority=` and `Preemptible=` values. A priority that is
 * not a whole number from 0 to {@link MAX_PRIORITY}, or a Preemptible= that
 * is not a boolean, is a problem (the unit is refused), never a silent
 * default. Never throws.
 */
export function extractPriority(priorities: readonly PriorityValue[], preemptibles: readonly PriorityValue[]): PriorityExtraction {
  const problems: string[] = [];
  let priority: number | undefined;
  const p = priorities[priorities.length - 1];
  if (p !== undefined) {
    const v = p.value.trim();
    if (/^\d{1,4}$/.test(v) && Number(v) <= MAX_PRIORITY) priority = Number(v);
    else problems.push(`${p.at ?? ''}[X-Fleet] ${goQuote(p.line)}: priority ${goQuote(p.value)} is not a whole number from 0 to ${MAX_PRIORITY}`);
  }
  let preemptible: boolean | undefined;
  const q = preemptibles[preemptibles.length - 1];
  if (q !== undefined) {
    preemptible = parseLooseBool(q.value);
    if (preemptible === undefined) problems.push(`${q.at ?? ''}[X-Fleet] ${goQuote(q.line)}: Preemptible value ${goQuote(q.value)} is not a boolean (true/false, yes/no, 1/0, on/off)`);
  }
  return { priority, preemptible, problems };
}
