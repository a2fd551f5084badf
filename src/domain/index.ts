/**
 * The shared domain vocabulary: the words every layer (units, scheduler,
 * registry, engine, agent, systemd, API, fleetctl) uses, each defined once.
 * Pure: no etcd, D-Bus, HTTP or file-system imports. Unit files themselves
 * (options, names, parsing) live in `src/units`; time in `src/clock.ts`.
 */
export * from './desired-state.js';
export * from './systemd-state.js';
export * from './booleans.js';
export * from './host-port.js';
export * from './key-prefix.js';
export * from './backoff.js';
export * from './machine-selection.js';
export * from './apply-set.js';
