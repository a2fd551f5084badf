/**
 * Who sent an API request, as the middleware chain resolved it: a token,
 * or `local` when the listener does not ask for tokens (the unix socket by
 * default, whose file mode is the gate, as for docker.sock and fleet), or
 * `anonymous` on a TCP listener that asks for no token (fleet's API had no
 * authentication; such a caller keeps every right until tokens are required).
 */
import type { Role } from './roles.js';

/** The identity behind a request. */
export type Principal =
  | { readonly kind: 'token'; readonly id: string; readonly name: string; readonly role: Role }
  | { readonly kind: 'local'; readonly role: 'admin' }
  | { readonly kind: 'anonymous'; readonly role: 'admin' };

/** The principal of a listener that asks for no token. */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({ kind: 'local', role: 'admin' });

/** The principal of a TCP listener that asks for no token. */
export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({ kind: 'anonymous', role: 'admin' });

/** The rate-limit identity: `token:<id>`, or `local` / `anonymous` for every tokenless request of that kind. */
export function identityKey(p: Principal): string {
  return p.kind === 'token' ? `token:${p.id}` : p.kind;
}

/**
 * The bounded class metrics count a principal under: `local`, `anonymous`,
 * or a token's role (`read`, `operate`, `admin`), never a token id (tokens
 * are unbounded).
 */
export function principalClass(p: Principal): string {
  return p.kind === 'token' ? p.role : p.kind;
}

/** How audit logs and metrics name the principal: `<name>/<id>`, or `local` / `anonymous`. */
export function principalLabel(p: Principal): string {
  return p.kind === 'token' ? `${p.name}/${p.id}` : p.kind;
}
