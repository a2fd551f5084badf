/**
 * The chaos run's verdicts, as pure functions of what systemd on each host
 * and the registry show (never of what fleetd says about itself).
 */

/** What one host's systemd runs: unit name -> MainPID. */
export interface HostView {
  readonly machineId: string;
  /** False while the host is powered off (its units count nowhere). */
  readonly up: boolean;
  readonly active: ReadonlyMap<string, number>;
}

/** The cluster's intent, from the registry. */
export interface Intent {
  /** Ordinary units whose desired state is `launched`. */
  readonly launched: readonly string[];
  /** `Global=true` units whose desired state is `launched` (every host here is eligible). */
  readonly globals: readonly string[];
}

/** A state report in the registry: unit is active (or not) on machine. */
export interface ReportedState {
  readonly name: string;
  readonly machineId: string;
  readonly active: boolean;
}

/**
 * Everything that is wrong right now, one line each (empty = converged):
 * a launched unit not running exactly once, a global unit missing on a host
 * that is up, and registry state reports that disagree with systemd.
 */
export function violations(hosts: readonly HostView[], intent: Intent, reports: readonly ReportedState[]): string[] {
  const out: string[] = [];
  const up = hosts.filter((h) => h.up);
  for (const unit of intent.launched) {
    const on = up.filter((h) => h.active.has(unit)).map((h) => h.machineId.slice(0, 8));
    if (on.length === 0) out.push(`${unit}: launched but running nowhere`);
    else if (on.length > 1) out.push(`${unit}: running ${on.length} times (${on.join(', ')})`);
  }
  for (const unit of intent.globals) {
    const missing = up.filter((h) => !h.active.has(unit)).map((h) => h.machineId.slice(0, 8));
    if (missing.length > 0) out.push(`${unit}: global unit not running on ${missing.join(', ')}`);
  }
  const byHost = new Map(up.map((h) => [h.machineId, h]));
  const reported = new Set<string>();
  for (const r of reports) {
    const h = byHost.get(r.machineId);
    if (h === undefined) continue;
    reported.add(`${r.name}\0${r.machineId}`);
    if (r.active !== h.active.has(r.name)) out.push(`${r.name} on ${r.machineId.slice(0, 8)}: registry says ${r.active ? 'active' : 'not active'}, systemd disagrees`);
  }
  const watched = new Set([...intent.launched, ...intent.globals]);
  for (const h of up) {
    for (const name of h.active.keys()) {
      if (watched.has(name) && !reported.has(`${name}\0${h.machineId}`)) out.push(`${name} on ${h.machineId.slice(0, 8)}: active in systemd, no state report`);
    }
  }
  return out;
}

/**
 * Units that ran on a host the fault did not touch and no longer run there
 * with the same MainPID (restarted, stopped or moved): each is a violation.
 */
export function disturbed(before: readonly HostView[], after: readonly HostView[], touched: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const now = new Map(after.map((h) => [h.machineId, h]));
  for (const h of before) {
    if (!h.up || touched.has(h.machineId)) continue;
    const a = now.get(h.machineId);
    for (const [unit, pid] of h.active) {
      const pidAfter = a?.up ? a.active.get(unit) : undefined;
      if (pidAfter === undefined) out.push(`${unit} on untouched ${h.machineId.slice(0, 8)}: stopped or moved`);
      else if (pidAfter !== pid) out.push(`${unit} on untouched ${h.machineId.slice(0, 8)}: restarted (MainPID ${pid} -> ${pidAfter})`);
    }
  }
  return out;
}
