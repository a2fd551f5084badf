/**
 * Which machines `fleetctl status` / `fleetctl journal` ask about a unit:
 * the one named by `--machine` (a full 32-hex machine id or a unique prefix
 * of one), or, without it, the unit's own machine (ordinary unit) or every
 * machine that has it (global unit). Pure: callers pass the cluster facts.
 */

/** Longest machine id: systemd's 32 hex digits. */
const MACHINE_ID_REF = /^[0-9a-f]{1,32}$/;

/** Outcome of resolving a `--machine` value against the present machines. */
export type MachineRefResolution = { readonly ok: true; readonly machineId: string } | { readonly ok: false; readonly problem: string };

/**
 * Resolves `ref` (full id or prefix, case-insensitive) among `known` ids.
 * An exact full id wins over longer ids it prefixes. Never throws.
 * @returns the full id, or a problem naming the value: not hex, unknown, or
 *   ambiguous (with the matching ids).
 */
export function resolveMachineRef(ref: string, known: readonly string[]): MachineRefResolution {
  const wanted = ref.trim().toLowerCase();
  if (!MACHINE_ID_REF.test(wanted)) {
    return { ok: false, problem: `invalid machine ID ${JSON.stringify(ref)}: expected a machine ID of up to 32 hex digits, or a prefix of one` };
  }
  if (known.includes(wanted)) return { ok: true, machineId: wanted };
  const matches = [...new Set(known.filter((id) => id.startsWith(wanted)))].sort();
  if (matches.length === 1) return { ok: true, machineId: matches[0]! };
  if (matches.length === 0) return { ok: false, problem: `no machine in the cluster has an ID starting with ${JSON.stringify(ref)}` };
  return { ok: false, problem: `machine ID ${JSON.stringify(ref)} is ambiguous: it matches ${matches.join(', ')}` };
}

/** What the command knows about the unit and the cluster. */
export interface StreamSelectionInput {
  readonly unitName: string;
  readonly global: boolean;
  /** Machines that have the unit: the scheduled machine of an ordinary unit, every reporting machine of a global one. */
  readonly unitMachines: readonly string[];
  /** Ids of the machines present in the cluster. */
  readonly presentMachines: readonly string[];
  /** `--machine`, as typed; undefined when not given. */
  readonly requested?: string;
  /** `journal -f`: only one machine can be followed. */
  readonly follow?: boolean;
}

/** Which machines to ask, in output order, or why none can be. */
export type StreamSelection =
  /** No `--machine` and an ordinary unit: its own machine, by the usual route. */
  | { readonly kind: 'unit-machine' }
  /** These machines, one block each (`--machine`: exactly one). */
  | { readonly kind: 'machines'; readonly machineIds: readonly string[]; readonly headed: boolean }
  | { readonly kind: 'error'; readonly message: string };

/**
 * Decides the machines to ask. `--machine` must resolve to a present machine
 * that has the unit; a global unit without it is asked on every machine that
 * has it (sorted by id, each block headed), and is an error when none has
 * or when asked to follow (one stream at a time).
 * Never throws.
 */
export function selectStreamMachines(input: StreamSelectionInput): StreamSelection {
  if (input.requested !== undefined) {
    const resolved = resolveMachineRef(input.requested, input.presentMachines);
    if (!resolved.ok) return { kind: 'error', message: resolved.problem };
    if (!input.unitMachines.includes(resolved.machineId)) {
      return { kind: 'error', message: `Unit ${input.unitName} is not loaded on machine ${resolved.machineId}.` };
    }
    return { kind: 'machines', machineIds: [resolved.machineId], headed: false };
  }
  if (!input.global) return { kind: 'unit-machine' };
  const machineIds = [...new Set(input.unitMachines)].sort();
  if (machineIds.length === 0) return { kind: 'error', message: `Global unit ${input.unitName} is not loaded on any machine.` };
  if (input.follow === true) {
    return { kind: 'error', message: `Cannot follow global unit ${input.unitName} on several machines at once: pick one with --machine ID.` };
  }
  return { kind: 'machines', machineIds, headed: true };
}
