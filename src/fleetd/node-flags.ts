/**
 * How fleetd's Node process is started (the `fleetd` bin's shebang passes the
 * same; keep them in sync). fleetd allocates in short bursts (watch events,
 * D-Bus replies) and holds little:
 * - a 1 MiB semi-space makes the young generation cost ~2 MiB instead of up
 *   to 48 MiB;
 * - a 512 MiB old-space limit (instead of one scaled to the host's RAM, ~4 GiB
 *   here) makes V8 grow the heap in smaller steps: with 1,000 units a fresh
 *   fleetd stays at ~86 MiB instead of ~119 MiB, while its live heap is ~20
 *   MiB (an engine leader of 10,000 units stays well below the limit);
 * - two malloc arenas instead of one per thread stop glibc from keeping
 *   freed memory of gRPC and libuv threads resident;
 * - a fixed 128 KiB mmap threshold: glibc otherwise raises it (and the
 *   trim threshold, to twice that) after the first large buffer is freed,
 *   so every later one of up to 32 MiB (gRPC, HTTP/2 and D-Bus buffers of a
 *   1,000-unit burst) is carved from the heap and its pages stay resident
 *   after free. Fixed, they are mapped and unmapped: with 1,000 units a few
 *   MiB less resident after a burst (README);
 * - bytecode not run since the last full collection is dropped (V8's
 *   default waits for the fifth): code that ran once (start-up, a burst's
 *   rare paths) is compiled again if it runs again. With 1,000 units the
 *   committed heap was ~1 MiB lower after a burst; no placement slowdown
 *   measurable (README);
 * - `gc` exposed, for the collections that compact the heap once fleetd is
 *   quiet after a burst (src/fleetd/heap-settle.ts): V8 otherwise keeps the heap a burst
 *   grew to. With 1,000 units ~8 MiB less resident after a burst (README);
 * - no allocation-site pretenuring: V8 otherwise decides, from what survived
 *   a burst's scavenges, to allocate straight into the old generation at
 *   those sites, and keeps doing so for the short-lived objects the same
 *   code makes later (the systemd resync, the engine's periodic pass): an
 *   idle leader with 1,000 units grew its old generation by 0.08-0.12
 *   MiB/s, ~0.01 MiB/s without; no placement slowdown measurable (README).
 * Measured in the README (fleetd RSS with many units). The price is CPU:
 * more frequent scavenges make a 10,000-unit scheduling pass ~1.3-1.6x
 * slower (bench/placement). `--optimize-for-size` and `--lite-mode` save
 * more memory but make scheduling 3-5x slower.
 */
export const FLEETD_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--max-old-space-size=512', '--bytecode-old-age=1', '--expose-gc', '--no-allocation-site-pretenuring'];

/**
 * Environment fleetd is started with (see {@link FLEETD_NODE_FLAGS}). The #!
 * line also moves `NODE_EXTRA_CA_CERTS` aside first (src/tls/extra-ca-certs.ts):
 * Node would parse its file at every start.
 */
export const FLEETD_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };
