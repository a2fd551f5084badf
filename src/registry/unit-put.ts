/**
 * The thin shell around the unit PUT policy (`src/units/put-policy.ts`): read what the
 * policy needs from a store, let it decide, write the decision. The store
 * is injected (the registry's API role fits), so the HTTP API and
 * fleetctl's etcd driver run the same reads and writes.
 */
import { checkUnitPut, planUnitPut, templateNeeded, templateOf, type Unit, type UnitPutPlan, type UnitPutRequest } from '../units/index.js';
import type { UnitWithText } from './records.js';
import { abortReason, NotStartedError, UnitExistsError, UnitNotFoundError } from './errors.js';
import type { ApiRegistry, UnitWithDesired, UnitWrite } from './roles.js';

/** The reads and writes a unit PUT makes (a subset of the registry's API role). */
export type UnitPutStore = Pick<ApiRegistry, 'getUnit' | 'writeUnits'>;

/** What the policy needs to decide a PUT: the unit as stored and, for a new instance given without options, its template. */
export interface UnitPutInputs {
  readonly existing: UnitWithDesired | undefined;
  readonly template: UnitWithDesired | undefined;
}

/**
 * Checks what needs no store (`checkUnitPut`, so a bad request never
 * reaches it), then reads the stored unit `name` and, when the policy needs
 * it, its template.
 * @returns both (undefined where nothing is stored).
 * @throws as `checkUnitPut`; what the store throws (unavailable, closed).
 */
export async function readUnitPutInputs(store: UnitPutStore, name: string, request: UnitPutRequest): Promise<UnitPutInputs> {
  checkUnitPut(name, request);
  const existing = await store.getUnit(name);
  const templateName = templateNeeded(name, request, existing);
  const template = templateName === undefined ? undefined : await store.getUnit(templateName);
  return { existing, template };
}

/**
 * Writes a plan: create, replace or set the desired state.
 * @throws what the store throws: `UnitExistsError` when the unit was created
 *   concurrently, `UnitNotFoundError` when it was destroyed concurrently,
 *   unavailable/closed errors.
 */
export async function executeUnitPut(store: UnitPutStore, name: string, plan: UnitPutPlan): Promise<void> {
  const [error] = await store.writeUnits([unitWrite(name, plan)]);
  if (error !== undefined) throw error;
}

/** The stored part of a built unit, with the text that becomes its body (description, requirements and warnings are derived again by readers). */
export function unitRecord(u: Unit): UnitWithText {
  return { name: u.name, options: u.options, text: u.text, hash: u.hash };
}

/** The reads and writes of a batch of unit PUTs and destroys (a subset of the registry's API role). */
export type UnitBatchStore = Pick<ApiRegistry, 'getUnits' | 'writeUnits'>;

/** One request of a batch: a PUT of `name` by the shared policy, or a destroy. */
export type UnitBatchItem = { readonly kind: 'put'; readonly name: string; readonly request: UnitPutRequest } | { readonly kind: 'destroy'; readonly name: string };

/** The outcome of one item: the plan that was written (a destroy has none), or why not. */
export type UnitBatchOutcome = { readonly ok: true; readonly plan?: UnitPutPlan } | { readonly ok: false; readonly error: unknown };

/**
 * Runs `items` as if each were its own PUT (`readUnitPutInputs`, the policy,
 * `executeUnitPut`) or destroy, in order, but with one batched read of the
 * stored units (and templates) and few write transactions per round. An item
 * naming a unit (or the template of a unit) that an earlier item of the same
 * round names goes to the next round, so the outcome is the one the requests
 * made one after another would have had.
 *
 * Once `signal` is aborted (the request's deadline passed, its client went
 * away) no new round and no new write chunk starts: what was already
 * written keeps its outcome, every item not written yet gets a
 * `NotStartedError` (nothing of it was written, so it can be sent again).
 * @returns per item, in order, its outcome; never rejects for one item's
 *   problem (the policy's refusals, `UnitExistsError`, `UnitNotFoundError`,
 *   an unavailable store, `NotStartedError` are each item's error).
 */
export async function runUnitBatch(store: UnitBatchStore, items: readonly UnitBatchItem[], signal?: AbortSignal): Promise<UnitBatchOutcome[]> {
  const outcomes = new Array<UnitBatchOutcome>(items.length);
  let pending = items.map((_, i) => i);
  const replanned = new Set<number>();
  while (pending.length > 0) {
    if (signal?.aborted === true) {
      const error = new NotStartedError(abortReason(signal));
      for (const i of pending) outcomes[i] = { ok: false, error };
      break;
    }
    const round: number[] = [];
    const later: number[] = [];
    const named = new Set<string>();
    for (const i of pending) {
      const item = items[i]!;
      const template = templateOf(item.name);
      if (named.has(item.name) || (template !== undefined && named.has(template)) || later.some((j) => items[j]!.name === item.name)) later.push(i);
      else round.push(i);
      named.add(item.name);
    }
    await runRound(store, items, round, outcomes, signal);
    // A PUT planned on what it read, whose write then found the unit created
    // (or destroyed) by someone else in between, is decided once more on a
    // fresh read: the outcome a request arriving after that writer would get
    // (e.g. a create resent after a lost answer becomes a desired-state change).
    const raced = round.filter((i) => {
      const o = outcomes[i]!;
      return items[i]!.kind === 'put' && !o.ok && (o.error instanceof UnitExistsError || o.error instanceof UnitNotFoundError) && !replanned.has(i);
    });
    for (const i of raced) replanned.add(i);
    pending = [...raced, ...later].sort((a, b) => a - b);
  }
  return outcomes;
}

async function runRound(store: UnitBatchStore, items: readonly UnitBatchItem[], round: readonly number[], outcomes: UnitBatchOutcome[], signal: AbortSignal | undefined): Promise<void> {
  const fail = (i: number, error: unknown): void => void (outcomes[i] = { ok: false, error });
  const puts = new Set<number>();
  for (const i of round) {
    const item = items[i]!;
    if (item.kind === 'destroy') continue;
    try {
      checkUnitPut(item.name, item.request);
      puts.add(i);
    } catch (err) {
      fail(i, err);
    }
  }
  let stored: Map<string, UnitWithDesired | undefined>;
  try {
    stored = await readStored(store, [...puts].map((i) => items[i]!.name));
    const templates = [...puts].flatMap((i) => {
      const item = items[i] as Extract<UnitBatchItem, { kind: 'put' }>;
      return templateNeeded(item.name, item.request, stored.get(item.name)) ?? [];
    });
    for (const [n, u] of await readStored(store, templates.filter((t) => !stored.has(t)))) stored.set(n, u);
  } catch (err) {
    for (const i of puts) fail(i, err);
    puts.clear();
    stored = new Map();
  }
  const writes: UnitWrite[] = [];
  const writers: Array<{ index: number; plan?: UnitPutPlan }> = [];
  for (const i of round) {
    const item = items[i]!;
    if (item.kind === 'destroy') {
      writes.push({ kind: 'destroy', name: item.name });
      writers.push({ index: i });
      continue;
    }
    if (!puts.has(i)) continue;
    try {
      const existing = stored.get(item.name);
      const templateName = templateNeeded(item.name, item.request, existing);
      const plan = planUnitPut(item.name, item.request, existing, templateName === undefined ? undefined : stored.get(templateName));
      writes.push(unitWrite(item.name, plan));
      writers.push({ index: i, plan });
    } catch (err) {
      fail(i, err);
    }
  }
  const results = await store.writeUnits(writes, signal);
  writers.forEach(({ index, plan }, k) => {
    const error = results[k];
    outcomes[index] = error === undefined ? { ok: true, ...(plan === undefined ? {} : { plan }) } : { ok: false, error };
  });
}

async function readStored(store: UnitBatchStore, names: readonly string[]): Promise<Map<string, UnitWithDesired | undefined>> {
  const unique = [...new Set(names)];
  const found = unique.length === 0 ? [] : await store.getUnits(unique);
  return new Map(unique.map((n, i) => [n, found[i]]));
}

/** The registry write of a plan (as {@link executeUnitPut} makes it). */
function unitWrite(name: string, plan: UnitPutPlan): UnitWrite {
  switch (plan.kind) {
    case 'create':
      return { kind: 'create', unit: unitRecord(plan.unit), desired: plan.desired, ...(plan.applySet === undefined ? {} : { applySet: plan.applySet }) };
    case 'replace':
      return { kind: 'replace', unit: unitRecord(plan.unit), ...(plan.desired === undefined ? {} : { desired: plan.desired }) };
    case 'setDesired':
      return { kind: 'setDesired', name, desired: plan.desired };
  }
}
