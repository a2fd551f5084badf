import type { Logger } from 'pino';
import { Agent } from '../agent/agent.js';
import { Engine } from '../engine/engine.js';
import { createEtcdRegistry, createRegistry, type CorruptRecordError, type LeaderElection, type MachineRecord, type Registry } from '../registry/index.js';
import { AnomalyMonitor } from '../events/anomaly-monitor.js';
import { logNotifier, webhookNotifier, type EventNotifier } from '../events/notify.js';
import { systemClock } from '../clock.js';
import { EtcdKv } from '../registry/etcd-kv.js';
import { LimitedKv } from '../registry/limited-kv.js';
import { DbusSystemdDriver } from '../systemd/dbus-driver.js';
import type { SystemdDriver } from '../systemd/driver.js';
import { VERSION } from '../version.js';
import type { FleetdConfig } from './config.js';
import { detectPublicIp } from './public-ip.js';
import { instanceId } from './instance-id.js';
import { detectCapacity, machineResources } from './capacity.js';
import { dirname } from 'node:path';
import { ApiAvailability, startApiServer, SpawnLocalCommands, type ApiServer } from '../api/index.js';
import { setUpApiSecurity, type ApiSecuritySetup } from './api-security.js';
import { dashboardMount } from './dashboard.js';
import { createFleetMetrics } from '../metrics/index.js';
import { formatHostPort, parseHostPort } from '../domain/index.js';

/** etcd requests the API may have in flight at once (the rest queue in fleetd). */
const API_ETCD_CONCURRENCY = 32;

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
  const metrics = createFleetMetrics({ processMetrics: true });
  const etcdOptions = {
    endpoints: config.etcd.servers,
    prefix: config.etcd.keyPrefix,
    requestTimeoutMs: config.etcd.requestTimeoutMs,
    tls: {
      ...(config.etcd.caFile !== undefined ? { caFile: config.etcd.caFile } : {}),
      ...(config.etcd.certFile !== undefined ? { certFile: config.etcd.certFile } : {}),
      ...(config.etcd.keyFile !== undefined ? { keyFile: config.etcd.keyFile } : {}),
    },
    ...(config.etcd.username !== undefined && config.etcd.password !== undefined ? { auth: { username: config.etcd.username, password: config.etcd.password } } : {}),
    warn: (err: CorruptRecordError) => logger.warn({ err }, 'skipping a registry record that cannot be read'),
    metrics: metrics.registryOps,
  };
  const registry = createEtcdRegistry(etcdOptions);
  // The API gets its own etcd connection with a bound on requests in flight:
  // a burst of API calls queues here instead of starving the agent's lease
  // keepalives and watches on the shared connection.
  const apiRegistry = createRegistry(new LimitedKv(new EtcdKv({ ...etcdOptions, ownConnection: true }), API_ETCD_CONCURRENCY, config.testApiEtcdDelayMs), etcdOptions);
  let driver: SystemdDriver | undefined;
  let api: ApiServer | undefined;
  let security: ApiSecuritySetup | undefined;
  try {
    driver = await DbusSystemdDriver.connect({
      scope: config.systemdScope,
      unitsDir: config.unitsDirectory,
      onCall: (method, ok) => metrics.dbus.call(method, ok),
      onSignal: (signal) => metrics.dbus.signal(signal),
      onRefreshError: (err, units) => {
        metrics.dbus.refreshFailed();
        logger.warn({ err, units }, 'could not re-read unit states from systemd; the next resync retries');
      },
    });
    // The API comes up before the machine registers, as in fleet; requests
    // that need etcd answer 503 until it is reachable, and every request
    // (but /metrics and /health) answers 503 while another live host holds
    // this machine id, so an operator here never sees a healthy member.
    const availability = new ApiAvailability();
    security = setUpApiSecurity(config.api, registry, metrics, logger);
    const dashboard = dashboardMount();
    api = await startApiServer({
      ...(dashboard !== undefined ? { staticMounts: [dashboard] } : {}),
      ...security.server,
      availability,
      registry: apiRegistry.api,
      machineId: config.machineId,
      tokenLimit: config.tokenLimit,
      logger: logger.child({ component: 'api' }),
      listen: {
        ...(config.api.socket !== undefined ? { socket: config.api.socket } : {}),
        ...(config.api.listen !== undefined ? { tcp: config.api.listen } : {}),
        activation: true,
        ...security.listen,
      },
      commands: new SpawnLocalCommands({ scope: config.systemdScope, maxRunning: config.api.maxStreams }),
      events: { maxStreams: config.api.maxStreams },
      metrics,
    });
    logger.info({ addresses: api.addresses }, 'API listening');
    const publicIP = config.publicIp ?? detectPublicIp() ?? '';
    const apiEndpoint = advertisedEndpoint(config, publicIP);
    const machine: MachineRecord = {
      id: config.machineId,
      publicIP,
      metadata: config.metadata,
      resources: machineResources(detectCapacity(), config.resources.configured, config.resources.reserved),
      version: VERSION,
      capabilities: { disableEngine: config.engine.disabled },
      ...(apiEndpoint !== undefined ? { apiEndpoint } : {}),
      instance: instanceId(dirname(config.unitsDirectory)),
    };
    const agent = new Agent({
      registry: registry.agent,
      driver,
      machine,
      ttlMs: config.agentTtlMs,
      resetHoldMs: config.registryResetHoldMs,
      logger,
      metrics: metrics.agent,
      onDuplicate: (err) => availability.refuse(err.message),
      onRegistered: () => availability.accept(),
    });
    await agent.start(signal);
    logger.info({ publicIp: machine.publicIP }, 'machine registered');
    let engine: Engine | undefined;
    let anomalies: AnomalyMonitor | undefined;
    if (!config.engine.disabled) {
      const election = registry.election({
        machineId: machine.id,
        ttlSeconds: Math.max(1, Math.round(config.engine.leaseTtlMs / 1000)),
        onListenerError: (err, event) => logger.error({ err, event }, 'an engine election listener threw'),
      });
      anomalies = anomalyMonitor(config, registry, election, logger);
      anomalies.start();
      engine = new Engine({
        registry: registry.engine,
        election,
        logger,
        reconcileIntervalMs: config.engine.reconcileIntervalMs,
        metrics: metrics.engine,
        suspectPreviousLeaderMs: config.agentTtlMs + 1000,
      });
      await engine.start();
    }
    const closeExtra = (await hooks.onStarted?.({ registry, driver, machine, engine, logger })) ?? undefined;
    const d = driver;
    const a = api;
    const tokenCache = security.cache;
    return {
      config,
      agent,
      engine,
      async stop({ graceful }) {
        await closeExtra?.().catch((err: unknown) => logger.warn({ err }, 'closing a component failed'));
        await a.close();
        await tokenCache.close();
        anomalies?.stop();
        await engine?.stop().catch((err: unknown) => logger.warn({ err }, 'stopping the engine failed'));
        await agent.stop({ graceful }).catch((err: unknown) => logger.warn({ err }, 'stopping the agent failed'));
        await d.close();
        await apiRegistry.close();
        await registry.close();
      },
      dump: () => ({
        Agent: { Launched: agent.launchedUnits() },
        Engine: engine ? { Leader: engine.active, Stats: engine.stats } : { Disabled: true },
      }),
    };
  } catch (err) {
    await api?.close().catch(() => undefined);
    await security?.cache.close().catch(() => undefined);
    await driver?.close().catch(() => undefined);
    await apiRegistry.close().catch(() => undefined);
    await registry.close().catch(() => undefined);
    throw err;
  }
}

/** The leader's anomaly detection with the configured notifiers (a log line, `notify_webhook`). */
function anomalyMonitor(config: FleetdConfig, registry: Registry, election: LeaderElection, logger: Logger): AnomalyMonitor {
  const log = logger.child({ component: 'anomalies' });
  const notifiers: EventNotifier[] = [];
  if (config.anomalies.log) notifiers.push(logNotifier(log));
  if (config.anomalies.webhook !== undefined) notifiers.push(webhookNotifier({ url: config.anomalies.webhook, clock: systemClock, log }));
  return new AnomalyMonitor({ election, engine: registry.engine, api: registry.api, thresholds: config.anomalies.thresholds, clock: systemClock, notifiers, log });
}

/**
 * The API address other hosts' fleetctl can use to reach this machine for
 * status/journal: the TCP listener (with the public IP when bound to every
 * interface), else the unix socket (reachable only from this host, or from
 * the same filesystem as in the sandbox cluster).
 */
function advertisedEndpoint(config: FleetdConfig, publicIP: string): string | undefined {
  const tcp = config.api.listen;
  if (tcp !== undefined) {
    const { host, port } = parseHostPort(tcp);
    const anyHost = host === undefined || host === '0.0.0.0' || host === '::';
    return `${config.api.tls !== undefined ? 'https' : 'http'}://${formatHostPort({ host: anyHost ? publicIP || '127.0.0.1' : host, port })}`;
  }
  return config.api.socket !== undefined ? `unix://${config.api.socket}` : undefined;
}
