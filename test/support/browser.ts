/**
 * Headless Debian chromium driven through puppeteer-core (which downloads
 * no browser), for the dashboard's browser tests and benchmark. Each launch
 * gets a fresh profile directory; `close()` kills the browser by its PID
 * (whatever state it is in) and removes the profile.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** The browser binary: `FLEET_CHROMIUM`, else Debian's. */
export const CHROMIUM = process.env.FLEET_CHROMIUM ?? '/usr/bin/chromium';

/** Where browser tests leave screenshots (gitignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../../test-artifacts/dashboard/', import.meta.url));

/**
 * Why browser tests cannot run here, or undefined when they can. Outside CI
 * a missing chromium skips them (with this message); in CI (`CI` set) it is
 * a failure, since `.ci/run` installs chromium.
 * @throws {Error} in CI when chromium is missing.
 */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (./scripts/setup.sh does) or set FLEET_CHROMIUM`;
  if (process.env.CI) throw new Error(`${reason} (CI must run the browser tests)`);
  return reason;
}

/** A launched browser. */
export interface LaunchedBrowser {
  readonly browser: Browser;
  readonly pid: number;
  /** Kills the browser by PID and removes its profile. Idempotent, never throws. */
  close(): Promise<void>;
}

/** Launches headless chromium with a fresh profile. Throws when it does not start (after cleaning up). */
export async function launchBrowser(): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'fleet-chromium-'));
  let browser: Browser | undefined;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profile,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const pid = browser.process()?.pid ?? -1;
  let closed = false;
  const b = browser;
  return {
    browser: b,
    pid,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.race([b.close().catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]);
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Console errors and uncaught exceptions of `page`, collected as they happen. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}${m.location().url ? ` (${m.location().url})` : ''}`);
  });
  page.on('pageerror', (e) => errors.push(`exception: ${(e as Error).message ?? String(e)}`));
  return errors;
}

/** Saves a screenshot of `page` as `<name>.png` under {@link ARTIFACTS_DIR}; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
