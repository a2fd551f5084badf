/**
 * A fake cluster for fleetctl tests: the in-memory registry plus one
 * `tick()` that does what engine and agents would (place with the real
 * scheduler, keep schedule entries' hash/target fresh, publish the systemd
 * state each agent would report). Waits call `tick()` as their sleep, so
 * every poll sees the cluster one step further, deterministically.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryRegistry, encodeMachine, encodeUnplaced, encodeSchedule, encodeState, type MemoryRegistry, type ScheduleEntry, type TxnOp } from '../../../../src/registry/index.js';
import type { MachineResources } from '../../../../src/resources/index.js';
import { planSchedule } from '../../../../src/scheduler/index.js';
import { buildSnapshot } from '../../../../src/engine/snapshot.js';
import { unplacedOps, unplacedRecords } from '../../../../src/engine/explain.js';
import { runCli } from '../../../../fleetctl/cli/program.js';
import { RegistryFleetClient } from '../../../../fleetctl/client/registry-client.js';
import type { FleetClient } from '../../../../fleetctl/client/types.js';
import { bufferOutput } from '../../../../fleetctl/output/io.js';
import type { ActiveState } from '../../../../src/domain/index.js';

/** Machine ids used throughout the tests. */
export const M1 = '113f16a7a9f14c8d9b0bd4e0d9e6a0c1';
export const M2 = '2c5e8a1b0d0e4b4f9a6c7d8e9f001122';

/** How a fake agent treats a unit it runs. */
export type AgentBehaviour = 'normal' | 'frozen' | 'failing' | 'activating';

export class FakeCluster {
  readonly registry: MemoryRegistry = createMemoryRegistry();
  readonly client: FleetClient = new RegistryFleetClient(this.registry.api);
  /** Per unit: how its agent behaves (default normal). */
  readonly behaviour = new Map<string, AgentBehaviour>();
  ticks = 0;

  async addMachine(id: string, publicIP: string, metadata: Record<string, string> = {}, apiEndpoint?: string, resources?: MachineResources): Promise<void> {
    const record = { id, publicIP, metadata, version: '0.1.0', capabilities: {}, ...(resources !== undefined ? { resources } : {}) };
    const raw = apiEndpoint === undefined ? encodeMachine(record) : JSON.stringify({ ...JSON.parse(encodeMachine(record)), apiEndpoint });
    await this.registry.kv.txn([], [{ type: 'put', key: this.registry.layout.machine(id), value: raw }]);
  }

  /** The agent's removal of a state report; a frozen agent never removes anything. */
  private dropState(name: string, machineId: string): TxnOp[] {
    return this.behaviour.get(name) === 'frozen' ? [] : [{ type: 'delete', key: this.registry.layout.state(name, machineId) }];
  }

  /** One engine pass and one agent pass. */
  async tick(): Promise<void> {
    this.ticks++;
    const api = this.registry.api;
    const layout = this.registry.layout;
    const [units, machines, schedule] = await Promise.all([api.listUnits(), api.listMachines(), api.listSchedule()]);
    const { snapshot, broken } = buildSnapshot({ units: units.map((u) => u.unit), desired: new Map(units.map((u) => [u.unit.name, u.desired])), machines, schedule });
    const plan = planSchedule(snapshot);
    // Publish why units wait, as the engine leader does.
    const published = new Map((await this.registry.kv.list(layout.unplacedAll())).kvs.map((kv) => [kv.key.slice(layout.unplacedAll().length), kv.value]));
    const hashes = new Map(units.map((u) => [u.unit.name, u.unit.hash]));
    const explained = unplacedOps(published, unplacedRecords(plan, broken, (n) => hashes.get(n)), Infinity).ops;
    const unplacedTxn: TxnOp[] = explained.map((op) =>
      op.type === 'put' ? { type: 'put', key: layout.unplaced(op.record.name), value: encodeUnplaced(op.record) } : { type: 'delete', key: layout.unplaced(op.name) },
    );
    const ops: TxnOp[] = [...unplacedTxn];
    const live = new Map<string, ScheduleEntry>(schedule.map((e) => [`${e.machineId}/${e.name}`, e]));
    for (const d of plan.decisions) {
      if (d.kind === 'unschedule') {
        live.delete(`${d.machine}/${d.unit}`);
        ops.push({ type: 'delete', key: layout.schedule(d.machine, d.unit) }, ...this.dropState(d.unit, d.machine));
      } else {
        live.set(`${d.machine}/${d.unit}`, { machineId: d.machine, name: d.unit, hash: '', targetState: 'inactive' });
      }
    }
    const unitByName = new Map(units.map((u) => [u.unit.name, u]));
    for (const [key, e] of live) {
      const u = unitByName.get(e.name);
      if (u === undefined || u.desired === 'inactive') {
        ops.push({ type: 'delete', key: layout.schedule(e.machineId, e.name) }, ...this.dropState(e.name, e.machineId));
        live.delete(key);
        continue;
      }
      const entry: ScheduleEntry = { machineId: e.machineId, name: e.name, hash: u.unit.hash, targetState: u.desired };
      ops.push({ type: 'put', key: layout.schedule(e.machineId, e.name), value: encodeSchedule(entry) });
      const how = this.behaviour.get(e.name) ?? 'normal';
      if (how === 'frozen') continue;
      const running = entry.targetState === 'launched';
      const activeState: ActiveState = !running ? 'inactive' : how === 'failing' ? 'failed' : how === 'activating' ? 'activating' : 'active';
      const state = { name: e.name, machineId: e.machineId, loadState: 'loaded' as const, activeState, subState: running && how === 'normal' ? 'running' : 'dead', hash: entry.hash, timestamp: 0 };
      ops.push({ type: 'put', key: layout.state(e.name, e.machineId), value: encodeState(state) });
    }
    // States of destroyed units disappear as their agents unload them (a frozen agent never does).
    for (const s of await api.listStates()) {
      if (!unitByName.has(s.name)) ops.push(...this.dropState(s.name, s.machineId));
    }
    if (ops.length > 0) await this.registry.kv.txn([], ops);
  }
}

/** A temp dir with unit files: name -> text. Returns the dir. */
export function unitDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleetctl-test-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A plain service body. */
export const HELLO = '[Unit]\nDescription=Hello World\n\n[Service]\nExecStart=/bin/sh -c "while true; do echo hi; sleep 1; done"\n';

/** What one fleetctl run printed. */
export interface RunResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs fleetctl against the fake cluster; polls advance it by one tick each. */
export async function fleetctl(cluster: FakeCluster, argv: readonly string[], options: { tty?: boolean; env?: Record<string, string>; client?: FleetClient } = {}): Promise<RunResult> {
  const out = bufferOutput(options.tty ?? false);
  const code = await runCli(argv, {
    out,
    env: options.env ?? {},
    timing: { pollMs: 1, attemptMs: 8, sleep: () => cluster.tick() },
    createClient: () => options.client ?? cluster.client,
  });
  return { code, out: out.out(), err: out.err() };
}
