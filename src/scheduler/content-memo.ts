/**
 * Values computed from plain data, shared by content: two inputs with the
 * same content (the same keys in the same order, the same primitives, arrays
 * and Maps of the same members) get one result, found without building a key
 * text. The input is walked as a path of tokens through nested Maps (a
 * trie): a primitive is its own token, a structure a marker, its length and
 * its members. Each step is one Map lookup on a value whose hash is already
 * known (property names, small numbers, shared strings), where a key text
 * would be built, hashed and thrown away per input. Inputs holding anything
 * else (a Set, a class instance, a function) are not shared: computed each
 * time.
 */

/** One step of the trie: token -> the next step; {@link RESULT} holds the result of a path that ends here. */
type Step = Map<unknown, unknown>;

const ARRAY = Symbol('array');
const MAP = Symbol('map');
const OBJECT = Symbol('object');
const END = Symbol('end');
const RESULT = Symbol('result');

export class ContentMemo<V> {
  private root: Step = new Map();
  private results = 0;

  /** `max`: the results kept at most; past it the memo starts again empty (a long-lived process must not keep every content it saw). */
  constructor(private readonly max: number) {}

  /** `compute(value)`, or the result of an earlier call for a value of the same content. */
  get(value: object, compute: (value: object) => V): V {
    const last = walk(this.root, value);
    if (last === undefined) return compute(value);
    if (last.has(RESULT)) return last.get(RESULT) as V;
    const result = compute(value);
    if (this.results >= this.max) {
      this.root = new Map();
      this.results = 0;
      walk(this.root, value)!.set(RESULT, result);
    } else last.set(RESULT, result);
    this.results++;
    return result;
  }
}

/** The step after `token`, made when missing. */
function next(step: Step, token: unknown): Step {
  let out = step.get(token) as Step | undefined;
  if (out === undefined) step.set(token, (out = new Map()));
  return out;
}

/** The step `value`'s tokens lead to from `step`; undefined when `value` holds something that cannot be shared by content. */
function walk(step: Step, value: unknown): Step | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return next(step, value);
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return next(step, null);
  let at: Step | undefined;
  if (Array.isArray(value)) {
    at = next(next(step, ARRAY), value.length);
    for (let i = 0; i < value.length && at !== undefined; i++) at = walk(at, value[i]);
    return at;
  }
  if (value instanceof Map) {
    at = next(next(step, MAP), value.size);
    for (const [k, v] of value) {
      at = walk(at, k);
      if (at !== undefined) at = walk(at, v);
      if (at === undefined) return undefined;
    }
    return at;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  at = next(step, OBJECT);
  for (const k in value) {
    at = walk(next(at, k), (value as Record<string, unknown>)[k]);
    if (at === undefined) return undefined;
  }
  return next(at, END);
}
