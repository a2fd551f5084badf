import type { Clock } from '../clock.js';
import type { ApiRegistry } from '../registry/index.js';
import type { EventStreamSettings } from './events.js';
import type { LocalCommands } from './local-commands.js';
import type { ScheduleView } from './schedule-view.js';
import type { UnitsView } from './units-view.js';
import type { MachinesView } from './machines-view.js';
import type { TokenApi } from './tokens.js';

/** The logging the API does (pino's `Logger` fits). */
export interface ApiLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What every handler works with; built once by `startApiServer`. */
export interface ApiContext {
  readonly registry: ApiRegistry;
  /** The schedule by unit (read this, not `registry.listSchedule`, when a request is about some units). */
  readonly schedule: ScheduleView;
  /** Units and state reports (read these, not `registry.listUnits`/`listStates`, for whole listings). */
  readonly units: UnitsView;
  /** Machines with their dynamic metadata (read this, not `registry.listMachines`). */
  readonly machines: MachinesView;
  /** This fleetd's machine id (status/journal run only for units scheduled here). */
  readonly machineId: string;
  /** Page size (fleet's `token_limit`). */
  readonly tokenLimit: number;
  /** Largest accepted request body, bytes. */
  readonly maxBodyBytes: number;
  readonly commands: LocalCommands;
  readonly logger: ApiLogger;
  /** How `GET /events` streams (heartbeat, stream cap, clock). */
  readonly events: EventStreamSettings;
  /** Time for request deadlines (unit batches). */
  readonly clock: Clock;
  /** Token management; undefined = the tokens resource answers 404. */
  readonly tokens?: TokenApi;
}
