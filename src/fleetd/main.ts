import { VERSION } from '../version.js';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';
import { createLogger, type Logger } from './logger.js';
import { startDaemon, type Daemon, type DaemonHooks } from './daemon.js';
import { Backoff, type BackoffPolicy } from '../domain/index.js';
import { keepAliveClock, sleep, systemClock, type Clock } from '../clock.js';
import { compactingGc, startHeapSettler, type HeapSettler } from './heap-settle.js';

const USAGE = `Usage: fleetd [--config PATH] [--version]

fleetd runs fleet's agent, engine and API on this host. Options are read
from the config file (default /etc/fleet/fleet.conf) and FLEET_* environment
variables; see deploy/fleet.conf.sample for every option.

Signals: SIGTERM/SIGINT leave the cluster (this host's fleet units are stopped
and rescheduled elsewhere); SIGHUP reloads the configuration in place (units
keep running); SIGUSR1 prints internal state as JSON on stdout.
`;

/** Parsed fleetd command line. */
export type FleetdArgs = { kind: 'run'; configPath?: string } | { kind: 'version' } | { kind: 'help' } | { kind: 'error'; message: string };

/** Parses fleetd's command line (fleet's: `--config`, `--version`, or `version`). */
export function parseFleetdArgs(argv: readonly string[]): FleetdArgs {
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--version' || a === '-version' || (a === 'version' && argv.length === 1)) return { kind: 'version' };
    if (a === '--help' || a === '-h' || a === '-help') return { kind: 'help' };
    if (a === '--config' || a === '-config') {
      const v = argv[++i];
      if (v === undefined || v === '') return { kind: 'error', message: 'flag needs an argument: --config' };
      configPath = v;
    } else if (a.startsWith('--config=') || a.startsWith('-config=')) {
      configPath = a.slice(a.indexOf('=') + 1);
    } else if (a.startsWith('-')) {
      return { kind: 'error', message: `flag provided but not defined: ${a}` };
    } else {
      return { kind: 'error', message: 'fleetd takes no arguments. Did you mean to invoke fleetctl instead?' };
    }
  }
  return configPath === undefined ? { kind: 'run' } : { kind: 'run', configPath };
}

/**
 * fleetd's process entry point: parses arguments, loads the config, runs the
 * daemon until a signal ends it. Resolves with the exit code.
 */
export async function main(argv: readonly string[], hooks: DaemonHooks = {}): Promise<number> {
  const args = parseFleetdArgs(argv);
  switch (args.kind) {
    case 'version':
      process.stdout.write(`fleetd version ${VERSION}\n`);
      return 0;
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'error':
      process.stderr.write(`${args.message}\n${USAGE}`);
      return 1;
  }

  const configPath = args.configPath;
  let resolved;
  try {
    resolved = loadConfig(configPath === undefined ? {} : { configPath });
  } catch (err) {
    process.stderr.write(`fleetd: ${(err as Error).message}\n`);
    return 1;
  }
  let logger: Logger = createLogger(resolved.config.verbosity, { machineId: resolved.config.machineId });
  for (const w of resolved.warnings) logger.warn(w);
  logger.info({ version: VERSION }, 'Starting fleetd');

  const abort = new AbortController();
  let daemon: Daemon | undefined;
  let stopping: Promise<void> | undefined;
  let reloading = Promise.resolve();
  const settler = heapSettler(() => logger);

  const shutdown = (graceful: boolean): Promise<void> => {
    stopping ??= (async () => {
      abort.abort();
      settler?.stop();
      await reloading;
      await daemon?.stop({ graceful });
      logger.info('fleetd stopped');
    })();
    return stopping;
  };

  const done = new Promise<number>((resolve) => {
    const onTerm = (sig: string) => {
      logger.info({ signal: sig }, 'Received signal; leaving the cluster');
      void shutdown(true).then(
        () => resolve(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => onTerm('SIGTERM'));
    process.on('SIGINT', () => onTerm('SIGINT'));
  });

  process.on('SIGUSR1', () => process.stdout.write(`${JSON.stringify(daemon?.dump() ?? {})}\n`));
  process.on('SIGHUP', () => {
    // A real in-place reload: re-read the config, stop components without
    // touching units, start them again with the new config (they adopt the
    // running units). A bad new config keeps the old daemon running.
    reloading = reloading.then(async () => {
      if (stopping) return;
      logger.info({ config: configPath ?? 'default' }, 'Reloading configuration');
      let next;
      try {
        next = loadConfig(configPath === undefined ? {} : { configPath });
      } catch (err) {
        logger.error({ err }, 'new configuration rejected; keeping the running one');
        return;
      }
      for (const w of next.warnings) logger.warn(w);
      await daemon?.stop({ graceful: false });
      logger = createLogger(next.config.verbosity, { machineId: next.config.machineId });
      daemon = await startWithRetry((sig) => startDaemon(next.config, logger, hooks, sig), logger, abort.signal);
    });
  });

  try {
    daemon = await startWithRetry((sig) => startDaemon(resolved.config, logger, hooks, sig), logger, abort.signal);
  } catch (err) {
    if (stopping) return done;
    logger.fatal({ err }, 'fleetd could not start');
    return 1;
  }
  return done;
}

/**
 * Gives the V8 heap back once fleetd is quiet (src/fleetd/heap-settle.ts);
 * undefined when Node runs without `--expose-gc`
 * (the bin passes it; a fleetd run another way keeps V8's default).
 */
function heapSettler(logger: () => Logger): HeapSettler | undefined {
  const gc = compactingGc();
  if (gc === undefined) return undefined;
  const mib = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;
  return startHeapSettler({
    gc,
    clock: systemClock,
    onCollect: ({ beforeBytes, afterBytes, ms }) => logger().debug({ heapCommittedMiB: mib(beforeBytes), afterMiB: mib(afterBytes), ms }, 'quiet: compacted the V8 heap'),
  });
}

/** fleet's start-up retry pacing: 1 s doubling to 60 s. */
export const START_BACKOFF: BackoffPolicy = Object.freeze({ initialMs: 1000, maxMs: 60_000 });

/**
 * Starts the daemon, retrying with {@link START_BACKOFF} while etcd or
 * systemd is unreachable. The wait between attempts ends at once when
 * `signal` aborts (SIGTERM during start-up), and then the last error is
 * rethrown. `start` and `clock` are injected for tests.
 */
export async function startWithRetry<D>(
  start: (signal: AbortSignal) => Promise<D>,
  logger: Pick<Logger, 'warn'>,
  signal: AbortSignal,
  clock: Clock = keepAliveClock,
): Promise<D> {
  const backoff = new Backoff(START_BACKOFF);
  for (;;) {
    try {
      return await start(signal);
    } catch (err) {
      if (signal.aborted || err instanceof ConfigError || (err as { retryable?: boolean }).retryable === false) throw err;
      const delay = backoff.next();
      logger.warn({ err, retryInMs: delay }, 'fleetd could not start; retrying');
      await sleep(clock, delay, signal).catch(() => {
        throw err;
      });
    }
  }
}
