/**
 * Values computed from plain data, shared by content: two inputs with the
 * same content (the same keys in the same order, the same primitives, arrays
 * and Maps of the same members) get one result, found without building a key
 * text. The input is walked as a path of tokens through nested Maps (a
 * trie): a primitive is its own token, a structure a marker, its length and
 * its members (an empty array or Map one token). Each step is an identity comparison with the token most
 * inputs take there (a property name, a marker: one successor), else one Map
 * lookup on a value whose hash is already known (small numbers, shared
 * strings), where a key text would be built, hashed and thrown away per
 * input. Inputs holding anything
 * else (a Set, a class instance, a function) are not shared: computed each
 * time.
 */

/**
 * One step of the trie: the token most paths take from here and its step
 * inline (compared by identity: most steps, a property name or a structure's
 * marker, have one successor, reached without hashing), others in a Map;
 * and the result of a path that ends here.
 */
class Step {
  key: unknown = NONE;
  step: Step | undefined = undefined;
  more: Map<unknown, Step> | undefined = undefined;
  done = false;
  result: unknown = undefined;
}

const NONE = Symbol('none');
const ARRAY = Symbol('array');
const MAP = Symbol('map');
const OBJECT = Symbol('object');
const END = Symbol('end');
/** An empty array or Map, as one token (most lists of a unit's requirements are empty). */
const EMPTY_ARRAY = Symbol('[]');
const EMPTY_MAP = Symbol('map 0');

export class ContentMemo<V> {
  private root = new Step();
  private results = 0;

  /** `max`: the results kept at most; past it the memo starts again empty (a long-lived process must not keep every content it saw). */
  constructor(private readonly max: number) {}

  /** `compute(value)`, or the result of an earlier call for a value of the same content. */
  get(value: object, compute: (value: object) => V): V {
    let last = walk(this.root, value);
    if (last === undefined) return compute(value);
    if (last.done) return last.result as V;
    const result = compute(value);
    if (this.results >= this.max) {
      this.root = new Step();
      this.results = 0;
      last = walk(this.root, value)!;
    }
    last.done = true;
    last.result = result;
    this.results++;
    return result;
  }
}

/** The step after `token`, made when missing (tokens equal as Map keys are: SameValueZero). */
function next(step: Step, token: unknown): Step {
  if (step.key === token) return step.step!;
  if (step.key === NONE) {
    // NaN is never === itself: it lives in the Map, as any token does there.
    if (token === token) {
      step.key = token;
      return (step.step = new Step());
    }
  }
  let more = step.more;
  if (more === undefined) step.more = more = new Map();
  let out = more.get(token);
  if (out === undefined) more.set(token, (out = new Step()));
  return out;
}

/** The step `value`'s tokens lead to from `step`; undefined when `value` holds something that cannot be shared by content. */
function walk(step: Step, value: unknown): Step | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return step.key === value ? step.step! : next(step, value);
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return next(step, null);
  let at: Step | undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return step.key === EMPTY_ARRAY ? step.step! : next(step, EMPTY_ARRAY);
    at = next(next(step, ARRAY), value.length);
    for (let i = 0; i < value.length && at !== undefined; i++) at = walk(at, value[i]);
    return at;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    // A step's inline token is compared here, before a call: a plain object's keys and end marker nearly always match it.
    at = step.key === OBJECT ? step.step! : next(step, OBJECT);
    for (const k in value) {
      at = walk(at.key === k ? at.step! : next(at, k), (value as Record<string, unknown>)[k]);
      if (at === undefined) return undefined;
    }
    return at.key === END ? at.step! : next(at, END);
  }
  if (value instanceof Map) {
    if (value.size === 0) return step.key === EMPTY_MAP ? step.step! : next(step, EMPTY_MAP);
    at = next(next(step, MAP), value.size);
    for (const [k, v] of value) {
      at = walk(at, k);
      if (at !== undefined) at = walk(at, v);
      if (at === undefined) return undefined;
    }
    return at;
  }
  return undefined;
}
