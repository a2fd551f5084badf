import type { UnitFile, UnitResult, UnitState } from './driver.js';
import { SystemdError, UnitEnableError } from './errors.js';
import type { ManagerCalls } from './manager-calls.js';
import type { RuntimeLinks } from './runtime-links.js';
import type { UnitFileStore } from './unit-files.js';
import type { DropIns } from './drop-ins.js';
import { hasInstallSection } from './unit-text.js';
import { InvalidUnitNameError, validateUnitName } from '../units/index.js';
import { pooled } from '../pool.js';

/** File writes and links in flight at once (fs work in libuv's pool; systemd is not involved). */
const FILE_CONCURRENCY = 16;

/** What a batch load needs from the driver. */
export interface LoaderDeps {
  readonly calls: ManagerCalls;
  readonly files: UnitFileStore;
  /** Direct runtime links; undefined = LinkUnitFiles over D-Bus (systemd does not read the runtime dir we know of). */
  readonly links: RuntimeLinks | undefined;
  /** fleet's runtime drop-ins. */
  readonly dropIns: DropIns;
}

/** Outcome of {@link loadBatch}. */
export interface LoadBatchOutcome {
  /** One per input unit, in input order. */
  readonly results: UnitResult[];
  /** Units written and linked (and enabled if they have `[Install]`). */
  readonly loaded: string[];
  /** Whether systemd needs a daemon reload to see the batch as written (see {@link loadBatch}). */
  readonly reloadNeeded: boolean;
  /**
   * systemd's view of the loaded units right after linking, when it was
   * read and no reload is needed: the driver reports these as the units'
   * first states instead of reading them again (every read of a unit systemd
   * has garbage-collected loads its file anew).
   */
  readonly states?: UnitState[];
}

/**
 * Whether systemd holds a definition of the unit that a new file would not
 * replace without a daemon reload. systemd loads a unit from disk on first
 * reference (StartUnit, ListUnitsByNames) and re-tries a `not-found` stub when
 * its unit directories changed, so only an inactive `not-found` unit is
 * "fresh"; anything loaded (or still running) keeps its old definition in
 * memory until a reload.
 */
export function holdsDefinition(s: UnitState): boolean {
  return s.loadState !== 'not-found' || s.activeState !== 'inactive';
}

/**
 * Writes, links and (for `[Install]` units) enables a batch of units, and
 * works out whether a daemon reload is needed. The reload is what costs at
 * scale: it re-reads and re-serializes every unit, ~1 s of systemd's time
 * with 1,000 running units on a sandbox host, during which it answers
 * nothing. So it is only asked for when
 * - systemd already held a definition of one of the units (a replaced unit
 *   must get its new definition), checked with one ListUnitsByPatterns
 *   BEFORE linking (afterwards it would load the new file and look stale),
 *   which lists only units systemd holds and loads none;
 * - an `[Install]` unit was enabled (new `.wants/` links change other units'
 *   dependencies, which only a reload applies);
 * - after linking, systemd still answers `not-found` for one of them. systemd
 *   notices new links by the unit directories' mtimes, which the kernel keeps
 *   at jiffy granularity, so a link made in the same tick as the previous
 *   change can go unseen; the reload is the safety net.
 * With `check: false` (the caller reloads anyway) the two listing calls
 * are skipped and `reloadNeeded` is true. A unit that fails does not
 * stop the others. Throws only programming errors (non-SystemdError).
 */
export async function loadBatch(deps: LoaderDeps, units: readonly UnitFile[], opts: { readonly check: boolean }): Promise<LoadBatchOutcome> {
  const results: Array<UnitResult | undefined> = units.map(() => undefined);
  const valid: number[] = [];
  units.forEach((u, i) => {
    try {
      validateUnitName(u.name);
      valid.push(i);
    } catch (err) {
      if (!(err instanceof InvalidUnitNameError)) throw err;
      results[i] = { name: u.name, error: err };
    }
  });
  const names = valid.map((i) => units[i]!.name);
  let held: ReadonlySet<string> | undefined; // undefined = unknown: assume a reload is needed
  if (opts.check && names.length > 0) {
    // Asked of what systemd holds in memory only: by name, every unit new to systemd became a stub it loaded and dropped again.
    held = await deps.calls.listLoadedUnitsByNames(names).then(
      (rows) => new Set(rows.filter(holdsDefinition).map((r) => r.name)),
      () => undefined,
    );
  }

  let enabledAny = false;
  await pooled(valid, FILE_CONCURRENCY, async (i) => {
    const unit = units[i]!;
    try {
      enabledAny = (await loadOne(deps, unit)) || enabledAny;
      results[i] = { name: unit.name };
    } catch (err) {
      if (!(err instanceof SystemdError)) throw err;
      results[i] = { name: unit.name, error: err };
    }
  });
  const loaded = units.filter((_, i) => results[i]?.error === undefined).map((u) => u.name);
  let reloadNeeded = !opts.check || held === undefined || enabledAny || loaded.some((n) => held.has(n));
  let states: UnitState[] | undefined;
  if (!reloadNeeded && loaded.length > 0) {
    states = await deps.calls.listUnitsByNames(loaded).catch(() => undefined);
    reloadNeeded = states === undefined || states.length !== loaded.length || states.some((r) => r.loadState === 'not-found');
  }
  const out = { results: results.map((r, i) => r ?? { name: units[i]!.name }), loaded, reloadNeeded: reloadNeeded && loaded.length > 0 };
  return reloadNeeded || states === undefined ? out : { ...out, states };
}

/** Writes, links and maybe enables one unit; returns whether it was enabled. Throws SystemdError. */
async function loadOne({ calls, files, links, dropIns }: LoaderDeps, unit: UnitFile): Promise<boolean> {
  // The drop-in first: systemd may load the unit as soon as it is linked.
  await dropIns.set(unit.name, unit.dropIn);
  const path = await files.write(unit.name, unit.text);
  if (links) await links.link(unit.name, path);
  else await calls.linkRuntime(path, unit.name);
  if (!(unit.hasInstall ?? hasInstallSection(unit.text))) return false;
  let carries = false;
  let cause: unknown;
  try {
    carries = await calls.enableRuntime(path, unit.name);
  } catch (err) {
    cause = err;
  }
  if (!carries) {
    // As fleet: a unit that cannot be enabled is removed again.
    await calls.disableRuntime(unit.name).catch(() => undefined);
    await files.remove(unit.name).catch(() => undefined);
    throw new UnitEnableError(unit.name, cause === undefined ? undefined : { cause });
  }
  return true;
}
