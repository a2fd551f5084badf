/**
 * The cluster-wide placement policy (one etcd key the engine watches; set by
 * `fleetctl policy set` / `PUT /fleet/v1/policy`), its JSON form and its
 * validation. A new policy applies to new placements; running units stay.
 *
 * ```json
 * {"strategy":"binpack","scorers":{"balanced":1},"spreadBy":"az","enforce":false,"preemption":true}
 * ```
 */
import { parseQuantity, resourceNameProblem, type ResourceAmounts } from '../resources/index.js';

/** How machines are ranked by what units request. */
export type Strategy = 'spread' | 'binpack' | 'random';

/** Every strategy, the default first. */
export const STRATEGIES: readonly Strategy[] = ['spread', 'binpack', 'random'];

/** Extra weighted scorers a policy may turn on. */
export type ExtraScorer = 'balanced' | 'spreadBy';

/** A validated policy: every field resolved. */
export interface PlacementPolicy {
  /** `spread` (default): the largest free fraction of what the unit requests; fleet's least-loaded while nothing in the cluster requests anything. `binpack`: the fullest machine that fits. `random`: seeded by unit name. */
  readonly strategy: Strategy;
  /** Weights (> 0) of extra scorers; the strategy weighs 1. */
  readonly scorers: Readonly<Partial<Record<ExtraScorer, number>>>;
  /** Metadata key instances of one template are spread across (e.g. `az`); undefined: none. */
  readonly spreadBy?: string;
  /** Agents give units that request cpu/memory but set no limit a runtime drop-in with the limit. */
  readonly enforce: boolean;
  /** What a unit that requests neither cpu nor memory counts as, for scoring only (Kubernetes: 100m / 200Mi). */
  readonly bestEffort: ResourceAmounts;
  /** A unit with `Priority=` that fits nowhere only for lack of resources may stop units of lower priority to get room (default true; see `preempt.ts`). */
  readonly preemption: boolean;
}

/** The policy of a cluster that never set one. */
export const DEFAULT_POLICY: PlacementPolicy = Object.freeze({
  strategy: 'spread',
  scorers: Object.freeze({}),
  enforce: false,
  bestEffort: Object.freeze({ cpu: 0.1, memory: 200 * 1024 * 1024 }),
  preemption: true,
});

/** A policy document that cannot be used; `problems` names every field at fault. */
export class InvalidPolicyError extends Error {
  readonly code = 'INVALID_POLICY';
  constructor(readonly problems: readonly string[]) {
    super(`invalid policy: ${problems.join('; ')}`);
    this.name = 'InvalidPolicyError';
  }
}

const FIELDS = new Set(['strategy', 'scorers', 'spreadBy', 'enforce', 'bestEffort', 'preemption']);
const SCORERS: ReadonlySet<string> = new Set<ExtraScorer>(['balanced', 'spreadBy']);

/**
 * Validates a policy document (parsed JSON); absent fields take their
 * defaults. `bestEffort` amounts are numbers or strings as in `Resources=`
 * (`{"cpu":"100m","memory":"200M"}`). Returns the policy; throws
 * InvalidPolicyError listing every problem.
 */
export function parsePolicy(doc: unknown): PlacementPolicy {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InvalidPolicyError(['the policy must be a JSON object']);
  const o = doc as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(o)) if (!FIELDS.has(k)) problems.push(`unknown field ${JSON.stringify(k)} (known: ${[...FIELDS].join(', ')})`);

  let strategy = DEFAULT_POLICY.strategy;
  if (o['strategy'] !== undefined) {
    if (typeof o['strategy'] === 'string' && (STRATEGIES as readonly string[]).includes(o['strategy'])) strategy = o['strategy'] as Strategy;
    else problems.push(`strategy ${JSON.stringify(o['strategy'])} is not one of ${STRATEGIES.join(', ')}`);
  }

  const scorers: Partial<Record<ExtraScorer, number>> = {};
  const rawScorers = o['scorers'];
  if (rawScorers !== undefined) {
    if (typeof rawScorers !== 'object' || rawScorers === null || Array.isArray(rawScorers)) problems.push('scorers must be an object of name -> weight, e.g. {"balanced":1}');
    else {
      for (const [name, w] of Object.entries(rawScorers)) {
        if (!SCORERS.has(name)) problems.push(`scorer ${JSON.stringify(name)} is not one of ${[...SCORERS].join(', ')}`);
        else if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0 || w > 100) problems.push(`scorer ${name} weight ${JSON.stringify(w)} must be a number above 0 and at most 100`);
        else scorers[name as ExtraScorer] = w;
      }
    }
  }

  let spreadBy: string | undefined;
  if (o['spreadBy'] !== undefined) {
    if (typeof o['spreadBy'] === 'string' && /^[A-Za-z0-9_.-]+$/.test(o['spreadBy'])) spreadBy = o['spreadBy'];
    else problems.push(`spreadBy ${JSON.stringify(o['spreadBy'])} must be a metadata key (A-Z a-z 0-9 _ . -)`);
  }
  if (scorers.spreadBy !== undefined && spreadBy === undefined) problems.push('scorers.spreadBy is set but spreadBy names no metadata key');

  let enforce = false;
  if (o['enforce'] !== undefined) {
    if (typeof o['enforce'] === 'boolean') enforce = o['enforce'];
    else problems.push(`enforce ${JSON.stringify(o['enforce'])} must be true or false`);
  }

  let bestEffort = DEFAULT_POLICY.bestEffort;
  if (o['bestEffort'] !== undefined) {
    const b = o['bestEffort'];
    if (typeof b !== 'object' || b === null || Array.isArray(b)) problems.push('bestEffort must be an object, e.g. {"cpu":"100m","memory":"200M"}');
    else {
      const out: Record<string, number> = {};
      for (const [name, v] of Object.entries(b)) {
        const bad = resourceNameProblem(name);
        if (bad !== undefined) {
          problems.push(`bestEffort: ${bad}`);
          continue;
        }
        const q = parseQuantity(name, typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '?');
        if (q.ok) out[name] = q.value;
        else problems.push(`bestEffort: ${q.reason}`);
      }
      bestEffort = out;
    }
  }
  let preemption = DEFAULT_POLICY.preemption;
  if (o['preemption'] !== undefined) {
    if (typeof o['preemption'] === 'boolean') preemption = o['preemption'];
    else problems.push(`preemption ${JSON.stringify(o['preemption'])} must be true or false`);
  }
  if (problems.length > 0) throw new InvalidPolicyError(problems);
  return { strategy, scorers, ...(spreadBy !== undefined ? { spreadBy } : {}), enforce, bestEffort, preemption };
}

/** The policy as stored and shown (every field, defaults included). */
export function policyDocument(p: PlacementPolicy): Record<string, unknown> {
  return { strategy: p.strategy, scorers: { ...p.scorers }, ...(p.spreadBy !== undefined ? { spreadBy: p.spreadBy } : {}), enforce: p.enforce, bestEffort: { ...p.bestEffort }, preemption: p.preemption };
}

/**
 * The policy a stored document means: the default when there is none, and
 * also (with `problem` saying why) when it cannot be read, so a bad key
 * never stops scheduling. Never throws.
 */
export function readPolicyDocument(text: string | undefined): { policy: PlacementPolicy; problem?: string } {
  if (text === undefined) return { policy: DEFAULT_POLICY };
  try {
    return { policy: parsePolicy(JSON.parse(text)) };
  } catch (err) {
    return { policy: DEFAULT_POLICY, problem: err instanceof InvalidPolicyError ? err.message : `policy is not JSON: ${(err as Error).message}` };
  }
}
