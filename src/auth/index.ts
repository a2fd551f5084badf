/** API identities and limits: tokens, roles, principals, rate limits (pure). */
export * from './roles.js';
export * from './token.js';
export * from './principal.js';
export * from './rate-limit.js';
export * from './inflight.js';
export * from './ttl.js';
export * from './gate.js';
