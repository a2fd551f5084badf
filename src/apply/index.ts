/** `fleetctl apply`'s decisions (pure): the desired set from unit files, its diff against the cluster, and the ordered writes. */
export * from './desired-set.js';
export * from './diff.js';
export * from './plan.js';
