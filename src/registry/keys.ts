import { DEFAULT_KEY_PREFIX, normalizeKeyPrefix } from '../domain/index.js';
import { parseUnitName, unitNameProblem } from '../units/names.js';
import { InvalidNameError } from './errors.js';

/** What a key under the prefix refers to; produced by {@link KeyLayout.parse}. */
export type ParsedKey =
  | { readonly kind: 'unit'; readonly name: string }
  | { readonly kind: 'body'; readonly hash: string }
  | { readonly kind: 'desired'; readonly name: string }
  | { readonly kind: 'machine'; readonly machineId: string }
  | { readonly kind: 'machineMetadata'; readonly machineId: string; readonly key: string }
  | { readonly kind: 'schedule'; readonly machineId: string; readonly name: string }
  | { readonly kind: 'state'; readonly name: string; readonly machineId: string }
  | { readonly kind: 'leader' }
  | { readonly kind: 'policy' }
  | { readonly kind: 'rollout'; readonly group: string }
  | { readonly kind: 'unplaced'; readonly name: string }
  | { readonly kind: 'decisions' }
  | { readonly kind: 'anomaly' };

// Machine ids (fleet uses the 32-hex /etc/machine-id, tests use short names) and metadata keys.
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const MAX_SEGMENT = 255;

/** What {@link check} accepts, without building an error (key parsing tests every key it reads). */
function isToken(value: string): boolean {
  return value.length > 0 && value.length <= MAX_SEGMENT && value !== '.' && value !== '..' && TOKEN.test(value);
}

function isUnitName(name: string): boolean {
  return unitNameProblem(name) === undefined;
}

function check(kind: string, value: string, pattern: RegExp): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidNameError(kind, String(value), 'empty');
  if (value.length > MAX_SEGMENT) throw new InvalidNameError(kind, value, `longer than ${MAX_SEGMENT} characters`);
  if (value === '.' || value === '..') throw new InvalidNameError(kind, value, 'is a path component');
  if (!pattern.test(value)) throw new InvalidNameError(kind, value, 'contains a character not allowed in a registry key');
  return value;
}

/**
 * Returns `name` if it is a valid unit name (the one rule, `src/units/names.ts`,
 * whose alphabet has no `/`, so a name is always one key segment); throws
 * {@link InvalidNameError} with that rule's message otherwise.
 */
export function checkUnitName(name: string): string {
  const problem = typeof name === 'string' ? unitNameProblem(name) : 'not a string';
  if (problem !== undefined) throw new InvalidNameError('unit name', String(name), problem);
  return name;
}

/** Returns `id` if it can be a machine key segment; throws {@link InvalidNameError} otherwise. */
export function checkMachineId(id: string): string {
  return check('machine id', id, TOKEN);
}

/** Returns `hash` if it can be a body key segment; throws {@link InvalidNameError} otherwise. */
export function checkBodyHash(hash: string): string {
  return check('content hash', hash, TOKEN);
}

/** Returns `key` if it can be a metadata key segment; throws {@link InvalidNameError} otherwise. */
export function checkMetadataKey(key: string): string {
  return check('metadata key', key, TOKEN);
}

/** Returns `id` if it is a token id (16 lowercase hex characters); throws {@link InvalidNameError} otherwise. */
export function checkTokenId(id: string): string {
  if (typeof id !== 'string' || !/^[0-9a-f]{16}$/.test(id)) throw new InvalidNameError('token id', String(id), 'expected 16 lowercase hex characters');
  return id;
}

/** {@link normalizeKeyPrefix} (the one rule, in `src/domain`), throwing {@link InvalidNameError}. */
export function normalizePrefix(prefix: string): string {
  try {
    return normalizeKeyPrefix(prefix);
  } catch (err) {
    throw new InvalidNameError('key prefix', prefix, (err as Error).message);
  }
}

/**
 * Builds and parses every registry key (pure). All builders validate the
 * names they embed, so no caller input can produce a key outside its
 * directory (e.g. `schedule/<id>/` can only ever contain that machine's
 * entries).
 */
export class KeyLayout {
  /** The normalized prefix, always ending in '/'. */
  readonly prefix: string;

  /** Throws {@link InvalidNameError} for an unusable prefix. */
  constructor(prefix: string = DEFAULT_KEY_PREFIX) {
    this.prefix = normalizePrefix(prefix);
  }

  /** `units/<name>`: the unit record. */
  unit(name: string): string {
    return `${this.prefix}units/${checkUnitName(name)}`;
  }
  /** Directory of all unit records. */
  units(): string {
    return `${this.prefix}units/`;
  }
  /** `bodies/<hash>`: a unit's canonical text, immutable, shared by every unit with that content hash. */
  body(hash: string): string {
    return `${this.prefix}bodies/${checkBodyHash(hash)}`;
  }
  /** Directory of all unit bodies. */
  bodiesAll(): string {
    return `${this.prefix}bodies/`;
  }
  /** `desired/<name>`: inactive | loaded | launched. */
  desired(name: string): string {
    return `${this.prefix}desired/${checkUnitName(name)}`;
  }
  /** Directory of all desired states. */
  desiredAll(): string {
    return `${this.prefix}desired/`;
  }
  /** `machines/<id>`: the machine record (on the agent's lease). */
  machine(id: string): string {
    return `${this.prefix}machines/${checkMachineId(id)}`;
  }
  /** Directory of all machine records. */
  machines(): string {
    return `${this.prefix}machines/`;
  }
  /** `machine-metadata/<id>/<key>`: dynamic metadata set through the API (no lease). */
  machineMetadata(id: string, key: string): string {
    return `${this.machineMetadataOf(id)}${checkMetadataKey(key)}`;
  }
  /** Directory of one machine's dynamic metadata. */
  machineMetadataOf(id: string): string {
    return `${this.prefix}machine-metadata/${checkMachineId(id)}/`;
  }
  /** Directory of all dynamic metadata. */
  machineMetadataAll(): string {
    return `${this.prefix}machine-metadata/`;
  }
  /** `schedule/<machineId>/<name>`: a unit assigned to a machine (engine leader, fenced). */
  schedule(machineId: string, name: string): string {
    return `${this.scheduleOf(machineId)}${checkUnitName(name)}`;
  }
  /** Directory of one machine's schedule: the only thing an agent watches. */
  scheduleOf(machineId: string): string {
    return `${this.prefix}schedule/${checkMachineId(machineId)}/`;
  }
  /** Directory of the whole schedule. */
  scheduleAll(): string {
    return `${this.prefix}schedule/`;
  }
  /** `state/<name>/<machineId>`: a unit state report (on the agent's lease). */
  state(name: string, machineId: string): string {
    return `${this.statesOf(name)}${checkMachineId(machineId)}`;
  }
  /** Directory of one unit's state reports. */
  statesOf(name: string): string {
    return `${this.prefix}state/${checkUnitName(name)}/`;
  }
  /**
   * The state reports of a rollout group: `state/<name>/` for a unit, and
   * for a template every key starting `state/<prefix>@` (its instances;
   * filter by name: another type of the same prefix shares it).
   */
  statesOfGroup(group: string): string {
    const info = parseUnitName(checkUnitName(group));
    return info?.isTemplate === true ? `${this.prefix}state/${info.prefix}@` : this.statesOf(group);
  }
  /** Directory of all state reports. */
  statesAll(): string {
    return `${this.prefix}state/`;
  }
  /** `tokens/<id>`: an API token record (salted hash, never the secret). */
  token(id: string): string {
    return `${this.tokens()}${checkTokenId(id)}`;
  }
  /** Directory of all API tokens: what every fleetd watches. */
  tokens(): string {
    return `${this.prefix}tokens/`;
  }
  /** `auth/bootstrapped`: created once, with the first admin token; its presence refuses a second bootstrap. */
  authBootstrapped(): string {
    return `${this.prefix}auth/bootstrapped`;
  }
  /** `engine/unplaced/<name>`: why the engine leader could not place a unit (engine leader, fenced). */
  unplaced(name: string): string {
    return `${this.unplacedAll()}${checkUnitName(name)}`;
  }
  /** Directory of every unplaced record. */
  unplacedAll(): string {
    return `${this.prefix}engine/unplaced/`;
  }

  /** `rollouts/<group>`: the latest rollout of a template or unit (created by the API, advanced by the engine leader, fenced). */
  rollout(group: string): string {
    return `${this.rolloutsAll()}${checkUnitName(group)}`;
  }
  /** Directory of every rollout record. */
  rolloutsAll(): string {
    return `${this.prefix}rollouts/`;
  }

  /**
   * `engine/decisions`: why the engine leader made the schedule changes of
   * the transaction that wrote it (overwritten by each; read from the watch
   * history, joined with the schedule changes of the same revision).
   */
  decisions(): string {
    return `${this.prefix}engine/decisions`;
  }

  /** `engine/anomaly`: the last anomaly the engine leader detected (overwritten by each; read from the watch history). */
  anomaly(): string {
    return `${this.prefix}engine/anomaly`;
  }

  /** `engine/anomaly-memory`: what the leader's anomaly detectors remember, for the next leader (no event). */
  anomalyMemory(): string {
    return `${this.prefix}engine/anomaly-memory`;
  }

  /** `applied/<name>`: the apply set that created the unit (written with the unit, deleted with it). */
  applied(name: string): string {
    return `${this.appliedAll()}${checkUnitName(name)}`;
  }
  /** Directory of every apply-set membership. */
  appliedAll(): string {
    return `${this.prefix}applied/`;
  }

  /** `policy`: the cluster's placement policy (a JSON document; absent = the default). */
  policy(): string {
    return `${this.prefix}policy`;
  }

  /**
   * `epoch`: a random id created once per registry (by the first fleetd to
   * find it absent). An agent that saw one epoch and later finds none, or
   * another, knows the registry was reset (etcd wiped) and holds its units.
   */
  epoch(): string {
    return `${this.prefix}epoch`;
  }

  /** `engine/leader`: the election key (on the leader's lease). */
  leader(): string {
    return `${this.prefix}engine/leader`;
  }

  /**
   * Parses a full key. Returns undefined for keys outside the prefix, of an
   * unknown directory, or with a segment that would not pass validation
   * (such keys were not written by us and are ignored).
   */
  parse(key: string): ParsedKey | undefined {
    if (!key.startsWith(this.prefix)) return undefined;
    // Segments by indexOf, not split: every key a listing reads comes through here (~46,000 at 10,000 units).
    const start = this.prefix.length;
    const s1 = key.indexOf('/', start);
    if (s1 === -1) return key.length - start === 6 && key.endsWith('policy') ? { kind: 'policy' } : undefined;
    const dir = key.slice(start, s1);
    const s2 = key.indexOf('/', s1 + 1);
    if (s2 === -1) {
      const a = key.slice(s1 + 1);
      switch (dir) {
        case 'units':
          return isUnitName(a) ? { kind: 'unit', name: a } : undefined;
        case 'bodies':
          return isToken(a) ? { kind: 'body', hash: a } : undefined;
        case 'desired':
          return isUnitName(a) ? { kind: 'desired', name: a } : undefined;
        case 'rollouts':
          return isUnitName(a) ? { kind: 'rollout', group: a } : undefined;
        case 'machines':
          return isToken(a) ? { kind: 'machine', machineId: a } : undefined;
        case 'engine':
          return a === 'leader' ? { kind: 'leader' } : a === 'decisions' ? { kind: 'decisions' } : a === 'anomaly' ? { kind: 'anomaly' } : undefined;
        default:
          return undefined;
      }
    }
    if (key.indexOf('/', s2 + 1) !== -1) return undefined;
    const a = key.slice(s1 + 1, s2);
    const b = key.slice(s2 + 1);
    switch (dir) {
      case 'engine':
        return a === 'unplaced' && isUnitName(b) ? { kind: 'unplaced', name: b } : undefined;
      case 'machine-metadata':
        return isToken(a) && isToken(b) ? { kind: 'machineMetadata', machineId: a, key: b } : undefined;
      case 'schedule':
        return isToken(a) && isUnitName(b) ? { kind: 'schedule', machineId: a, name: b } : undefined;
      case 'state':
        return isUnitName(a) && isToken(b) ? { kind: 'state', name: a, machineId: b } : undefined;
      default:
        return undefined;
    }
  }
}
