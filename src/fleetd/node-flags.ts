/**
 * How fleetd's Node process is started (the `fleetd` bin's shebang passes the
 * same; keep them in sync). fleetd allocates in short bursts (watch events,
 * D-Bus replies) and holds little:
 * - a 1 MiB semi-space makes the young generation cost ~2 MiB instead of up
 *   to 48 MiB;
 * - two malloc arenas instead of one per thread stop glibc from keeping
 *   freed memory of gRPC and libuv threads resident.
 * Measured in the README (fleetd RSS with many units). `--optimize-for-size`
 * and `--lite-mode` save more memory but make scheduling 3-5x slower.
 */
export const FLEETD_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/** Environment fleetd is started with (see {@link FLEETD_NODE_FLAGS}). */
export const FLEETD_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
