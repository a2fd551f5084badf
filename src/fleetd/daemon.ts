import type { Logger } from 'pino';
import { Agent } from '../agent/agent.js';
import { Engine } from '../engine/engine.js';
import { createEtcdRegistry, type MachineRecord, type Registry } from '../registry/index.js';
import { DbusSystemdDriver } from '../systemd/dbus-driver.js';
import type { SystemdDriver } from '../systemd/driver.js';
import { VERSION } from '../version.js';
import type { FleetdConfig } from './config.js';
import { detectPublicIp } from './public-ip.js';

/** A running fleetd: everything one host runs, built from one config. */
export interface Daemon {
  readonly config: FleetdConfig;
  readonly agent: Agent;
  /** Undefined with `disable_engine`. */
  readonly engine: Engine | undefined;
  /** Stops everything; `graceful` also stops and unloads this host's units (SIGTERM). */
  stop(options: { graceful: boolean }): Promise<void>;
  /** State for the SIGUSR1 dump. */
  dump(): Record<string, unknown>;
}

/** Hooks for things built elsewhere (the API server) and for tests. */
export interface DaemonHooks {
  /** Called once the agent registered the machine; may return a closer. */
  onStarted?(ctx: { registry: Registry; driver: SystemdDriver; machine: MachineRecord; engine: Engine | undefined; logger: Logger }): Promise<(() => Promise<void>) | void>;
}

/**
 * The composition root: the only place that builds the real etcd client and
 * the D-Bus connection, and wires registry, systemd driver, agent, engine and
 * API together.
 * @throws when etcd or systemd cannot be reached for a non-retryable reason.
 */
export async function startDaemon(config: FleetdConfig, logger: Logger, hooks: DaemonHooks = {}, signal?: AbortSignal): Promise<Daemon> {
  const registry = createEtcdRegistry({
    endpoints: config.etcd.servers,
    prefix: config.etcd.keyPrefix,
    requestTimeoutMs: config.etcd.requestTimeoutMs,
    tls: {
      ...(config.etcd.caFile !== undefined ? { caFile: config.etcd.caFile } : {}),
      ...(config.etcd.certFile !== undefined ? { certFile: config.etcd.certFile } : {}),
      ...(config.etcd.keyFile !== undefined ? { keyFile: config.etcd.keyFile } : {}),
    },
    ...(config.etcd.username !== undefined && config.etcd.password !== undefined ? { auth: { username: config.etcd.username, password: config.etcd.password } } : {}),
    warn: (err) => logger.warn({ err }, 'skipping a registry record that cannot be read'),
  });
  let driver: SystemdDriver | undefined;
  try {
    driver = await DbusSystemdDriver.connect({ scope: config.systemdScope, unitsDir: config.unitsDirectory });
    const machine: MachineRecord = {
      id: config.machineId,
      publicIP: config.publicIp ?? detectPublicIp() ?? '',
      metadata: config.metadata,
      version: VERSION,
      capabilities: { disableEngine: config.engine.disabled },
    };
    const agent = new Agent({ registry: registry.agent, driver, machine, ttlMs: config.agentTtlMs, logger });
    await agent.start(signal);
    logger.info({ publicIp: machine.publicIP }, 'machine registered');
    let engine: Engine | undefined;
    if (!config.engine.disabled) {
      engine = new Engine({
        registry: registry.engine,
        election: registry.election({ machineId: machine.id, ttlSeconds: Math.max(1, Math.round(config.engine.leaseTtlMs / 1000)) }),
        logger,
        reconcileIntervalMs: config.engine.reconcileIntervalMs,
      });
      await engine.start();
    }
    const closeExtra = (await hooks.onStarted?.({ registry, driver, machine, engine, logger })) ?? undefined;
    const d = driver;
    return {
      config,
      agent,
      engine,
      async stop({ graceful }) {
        await closeExtra?.().catch((err: unknown) => logger.warn({ err }, 'closing the API failed'));
        await engine?.stop().catch((err: unknown) => logger.warn({ err }, 'stopping the engine failed'));
        await agent.stop({ graceful }).catch((err: unknown) => logger.warn({ err }, 'stopping the agent failed'));
        await d.close();
        await registry.close();
      },
      dump: () => ({
        Agent: { Launched: agent.launchedUnits() },
        Engine: engine ? { Leader: engine.active, Stats: engine.stats } : { Disabled: true },
      }),
    };
  } catch (err) {
    await driver?.close().catch(() => undefined);
    await registry.close().catch(() => undefined);
    throw err;
  }
}
