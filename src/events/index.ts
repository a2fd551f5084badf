/** The cluster's event stream: the wire types, derivation from registry changes, filters, the follow loop. */
export * from './types.js';
export * from './derive.js';
export * from './filter.js';
export * from './stream.js';
