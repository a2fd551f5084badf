/** The cluster's event stream: the wire types, derivation from registry changes, filters, the follow loop, the shared watch. */
export * from './types.js';
export * from './derive.js';
export * from './filter.js';
export * from './stream.js';
export * from './change-hub.js';
