/** A fleetd configuration value that cannot be used; fleetd refuses to start. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  /**
   * @param option the option name as written in fleet.conf (e.g. `agent_ttl`)
   * @param source where the bad value came from (`/etc/fleet/fleet.conf`, `FLEET_AGENT_TTL`, ...)
   */
  constructor(
    readonly option: string,
    readonly source: string,
    detail: string,
  ) {
    super(`invalid value for ${option} (from ${source}): ${detail}`);
    this.name = 'ConfigError';
  }
}
