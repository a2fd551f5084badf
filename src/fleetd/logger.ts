import { pino, destination, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * fleetd's logger: JSON lines on stderr (journald adds timestamps and keeps
 * stdout free for the SIGUSR1 state dump). `verbosity` > 0 enables debug logs,
 * as fleet's single verbosity switch did.
 */
export function createLogger(verbosity: number, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level: verbosity > 0 ? 'debug' : 'info', base: { ...bindings } }, destination({ fd: 2, sync: false }));
}

/** A logger that drops everything, for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
