/**
 * The API token of this browser session: entered once, kept in
 * sessionStorage (gone when the tab closes), sent as a bearer token with
 * every API request.
 */
const KEY = 'fleet.token';

/** The session's token, or undefined when none was entered. */
export function sessionToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `token` for this session (undefined: forgets it). */
export function setSessionToken(token: string | undefined): void {
  try {
    if (token === undefined) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
  } catch {
    // storage disabled: the token lasts until reload
  }
}
