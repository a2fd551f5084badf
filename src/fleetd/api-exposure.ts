/**
 * fleetd's safe defaults for the TCP API (pure): a listener other hosts
 * can reach must check tokens, and must use TLS unless the operator says
 * plainly that clear text is acceptable.
 */
import type { ApiAuthMode } from './config-options.js';

/** The API options the check reads. */
export interface ApiExposure {
  /** `host:port` as resolved from `api_listen`; undefined = no TCP listener. */
  readonly listen: string | undefined;
  readonly auth: ApiAuthMode;
  readonly tls: boolean;
  readonly insecure: boolean;
}

/** A refusal: the option to change and why. */
export interface ExposureProblem {
  readonly option: string;
  readonly message: string;
}

/** True for `localhost`, 127.0.0.0/8 and ::1 (with or without brackets). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Why fleetd must not start with these API settings.
 * @returns undefined when they are safe; otherwise the option and a message
 *   that names the options which fix it.
 */
export function apiExposureProblem(e: ApiExposure): ExposureProblem | undefined {
  if (e.listen === undefined) return undefined;
  const host = e.listen.slice(0, e.listen.lastIndexOf(':'));
  if (isLoopbackHost(host)) return undefined;
  if (e.auth === 'off') {
    return {
      option: 'api_auth',
      message: `api_listen ${e.listen} is reachable from other hosts but api_auth=off: anyone who reaches it could run anything on every host. Set api_auth=tcp (or all) and create tokens (fleetctl auth bootstrap), or bind api_listen to 127.0.0.1`,
    };
  }
  if (!e.tls && !e.insecure) {
    return {
      option: 'api_listen',
      message: `api_listen ${e.listen} is reachable from other hosts over plain HTTP: set api_cert_file and api_key_file to serve TLS, or api_insecure=true to accept clear text, or bind api_listen to 127.0.0.1`,
    };
  }
  return undefined;
}
