import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from './config-error.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import type { OptionName } from './config-options.js';

/** Where fleetd looks for its configuration when `--config` is not given. */
export const DEFAULT_CONFIG_PATH = '/etc/fleet/fleet.conf';
export const MACHINE_ID_PATH = '/etc/machine-id';

export interface LoadConfigOptions {
  /** `--config PATH`: must exist. Without it, DEFAULT_CONFIG_PATH is used if present. */
  readonly configPath?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly overrides?: Partial<Record<OptionName, string>>;
  /** For tests: where to read the machine id from. */
  readonly machineIdPath?: string;
}

/**
 * Reads fleet.conf and /etc/machine-id and resolves the configuration.
 * @throws {ConfigError} for a missing/unreadable explicit config file or any bad value.
 */
export function loadConfig(opts: LoadConfigOptions = {}): ResolvedConfig {
  const env = opts.env ?? process.env;
  let file: { path: string; text: string } | undefined;
  const path = opts.configPath ?? (exists(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined);
  if (path !== undefined) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (err) {
      throw new ConfigError('--config', path, `unable to use config file: ${(err as Error).message}`);
    }
    if (isDir) throw new ConfigError('--config', path, 'is a directory, not a file');
    file = { path, text: readFileSync(path, 'utf8') };
  }
  let machineIdFile: string | undefined;
  try {
    machineIdFile = readFileSync(opts.machineIdPath ?? MACHINE_ID_PATH, 'utf8');
  } catch {
    machineIdFile = undefined; // resolveConfig explains, unless machine_id is set
  }
  return resolveConfig({
    ...(file !== undefined ? { file } : {}),
    env,
    ...(opts.overrides !== undefined ? { overrides: opts.overrides } : {}),
    ...(machineIdFile !== undefined ? { machineIdFile } : {}),
    ...(env.XDG_RUNTIME_DIR !== undefined ? { xdgRuntimeDir: env.XDG_RUNTIME_DIR } : {}),
  });
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
