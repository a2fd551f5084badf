/** The fleet HTTP API v1 server (and our status/journal/explain extensions). */
export { startApiServer, type ApiServer, type StartApiServerOptions, type ApiListenOptions } from './server.js';
export { ApiAvailability } from './availability.js';
export type { ApiLogger } from './context.js';
export { SpawnLocalCommands, LocalCommandError, type LocalCommands, type RunningCommand, type SpawnLocalCommandsOptions } from './local-commands.js';
export { FakeLocalCommands, type FakeRun } from './fake-local-commands.js';
export { JOURNAL_OUTPUT_MODES, statusArgv, journalArgv, type JournalOptions } from './command-argv.js';
export { EXIT_CODE_TRAILER } from './unit-commands.js';
export { ETCD_UNAVAILABLE_MESSAGE } from './errors.js';
export type { UnitExplanation } from './explain.js';
export * from './schema.js';
export { encodePageToken, decodePageToken, paginate, requestedPage, MAX_PAGE_SIZE, InvalidPageTokenError, type PageToken } from './pagination.js';
export type { StaticMount } from './routes.js';
