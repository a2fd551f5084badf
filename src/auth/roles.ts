/**
 * The three API roles, each including the one before it:
 * `read` (every GET, the event stream, the dashboard), `operate` (also
 * submit, load, start, stop, unload, restart, destroy, replace) and `admin`
 * (also scheduling policy, machine metadata and API tokens).
 */

/** What an identity may do through the API. */
export type Role = 'read' | 'operate' | 'admin';

/** Every role, weakest first. */
export const ROLES: readonly Role[] = Object.freeze(['read', 'operate', 'admin']);

/** True when `value` names a {@link Role}. */
export function isRole(value: unknown): value is Role {
  return value === 'read' || value === 'operate' || value === 'admin';
}

/**
 * Parses a role given by an operator (`--role operate`).
 * @throws {RangeError} naming the value and the roles there are.
 */
export function parseRole(text: string): Role {
  const v = text.trim().toLowerCase();
  if (!isRole(v)) throw new RangeError(`unknown role ${JSON.stringify(text)}: expected one of ${ROLES.join(', ')}`);
  return v;
}

/** True when an identity holding `held` may do what needs `needed` (roles include the weaker ones). */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}
