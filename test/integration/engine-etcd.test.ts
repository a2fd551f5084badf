import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEtcdRegistry, type MachineRecord, type Registry, type ScheduleEntry } from '../../src/registry/index.js';
import { Engine } from '../../src/engine/engine.js';
import { Agent } from '../../src/agent/agent.js';
import { FakeSystemdDriver } from '../../src/systemd/fake-driver.js';
import { silentLogger } from '../../src/fleetd/logger.js';
import { startEtcd, type TestEtcd } from '../../src/sandbox/etcd.js';
import { sleeper } from '../support/units.js';
import { waitFor } from '../support/wait.js';

// Engines in-process on a real etcd (real leases, real watches), with
// lightweight agents (real Agent, fake systemd).
const ENGINE_TTL_S = 2;
const AGENT_TTL_MS = 2000;

let etcd: TestEtcd;
const registries: Registry[] = [];
const engines: Array<{ id: string; engine: Engine; registry: Registry }> = [];
const agents = new Map<string, { agent: Agent; driver: FakeSystemdDriver }>();
let api: Registry['api'];

function client(): Registry {
  const r = createEtcdRegistry({ endpoints: etcd.endpoints });
  registries.push(r);
  return r;
}

async function addEngine(id: string): Promise<void> {
  const registry = client();
  const engine = new Engine({ registry: registry.engine, election: registry.election({ machineId: id, ttlSeconds: ENGINE_TTL_S }), logger: silentLogger(), reconcileIntervalMs: 500 });
  await engine.start();
  engines.push({ id, engine, registry });
}

async function addAgent(id: string): Promise<void> {
  const driver = new FakeSystemdDriver();
  const machine: MachineRecord = { id, publicIP: '127.0.0.1', metadata: {}, version: 'test', capabilities: {} };
  const agent = new Agent({ registry: client().agent, driver, machine, ttlMs: AGENT_TTL_MS, logger: silentLogger(), retryIntervalMs: 300 });
  await agent.start();
  agents.set(id, { agent, driver });
}

const schedule = (): Promise<ScheduleEntry[]> => api.listSchedule();
const perMachine = (entries: ScheduleEntry[], names: (n: string) => boolean): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const e of entries) if (names(e.name)) out[e.machineId] = (out[e.machineId] ?? 0) + 1;
  return out;
};

before(async () => {
  etcd = await startEtcd();
  api = client().api;
  for (const id of ['m1', 'm2', 'm3']) await addAgent(id);
  for (const id of ['m1', 'm2', 'm3']) await addEngine(id);
});

after(async () => {
  for (const { engine } of engines) await engine.stop().catch(() => undefined);
  for (const { agent, driver } of agents.values()) {
    await agent.stop({ graceful: false }).catch(() => undefined);
    await driver.close();
  }
  for (const r of registries) await r.close().catch(() => undefined);
  await etcd?.stop();
});

test('exactly one engine leads', async () => {
  const leaders = await waitFor('a leader', () => {
    const l = engines.filter((e) => e.engine.active);
    return l.length > 0 ? l : undefined;
  });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(engines.filter((e) => e.engine.active).length, 1, `leaders: ${leaders.map((l) => l.id)}`);
});

test('nine units spread 3/3/3 and report running', async () => {
  for (let i = 1; i <= 9; i++) await api.createUnit(sleeper(`n${i}.service`), 'launched');
  const s = await waitFor('9 scheduled', async () => {
    const e = await schedule();
    return e.length === 9 ? e : undefined;
  });
  assert.deepEqual(perMachine(s, () => true), { m1: 3, m2: 3, m3: 3 });
  await waitFor('9 running states', async () => (await api.listStates()).filter((x) => x.subState === 'running').length === 9);
});

test('a global unit goes to every machine, and to a fourth that joins', async () => {
  await api.createUnit(sleeper('g.service', 'Global=true'), 'launched');
  await waitFor('global on 3', async () => Object.keys(perMachine(await schedule(), (n) => n === 'g.service')).length === 3);
  await addAgent('m4');
  await waitFor('global on m4', async () => perMachine(await schedule(), (n) => n === 'g.service').m4 === 1);
});

test('a machine whose lease expires loses its units within agent_ttl + 2 s', async () => {
  const victim = agents.get('m2')!;
  const had = (await schedule()).filter((e) => e.machineId === 'm2' && e.name !== 'g.service').map((e) => e.name);
  assert.ok(had.length > 0);
  const t0 = Date.now();
  await victim.agent.stop({ graceful: false }); // lease left to expire, as on a crash
  await waitFor('units of m2 placed elsewhere', async () => {
    const s = await schedule();
    return !s.some((e) => e.machineId === 'm2') && had.every((n) => s.some((e) => e.name === n));
  }, AGENT_TTL_MS + 10_000, 50);
  const took = Date.now() - t0;
  assert.ok(took <= AGENT_TTL_MS + 2000, `moved after ${took} ms`);
  agents.delete('m2');
  await victim.driver.close();
});

test('destroy removes schedule entries and states', async () => {
  await api.destroyUnit('n1.service');
  await api.destroyUnit('g.service');
  await waitFor('gone', async () => {
    const s = await schedule();
    const st = await api.listStates();
    return !s.some((e) => e.name === 'n1.service' || e.name === 'g.service') && !st.some((x) => x.name === 'n1.service' || x.name === 'g.service');
  });
});

test('leader killed: another engine places the next unit within TTL + 1 s', async () => {
  const leader = engines.find((e) => e.engine.active)!;
  // Kill without resigning: drop the client, as a crashed process would.
  await leader.registry.close();
  const t0 = Date.now();
  await api.createUnit(sleeper('after-failover.service'), 'launched');
  await waitFor('scheduled by the new leader', async () => (await schedule()).some((e) => e.name === 'after-failover.service'), 15_000, 50);
  const took = Date.now() - t0;
  assert.ok(took <= ENGINE_TTL_S * 1000 + 1000, `first decision after ${took} ms`);
  assert.ok(engines.some((e) => e !== leader && e.engine.active));
});
