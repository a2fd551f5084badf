/** The cluster's event stream: the wire types, derivation from registry changes, filters. */
export * from './types.js';
export * from './derive.js';
export * from './filter.js';
