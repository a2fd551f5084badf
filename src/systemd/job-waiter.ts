import { SystemdTimeoutError, SystemdUnavailableError } from './errors.js';
import type { Clock } from '../clock.js';

/** How many finished jobs to remember for waiters that register late. */
const REMEMBERED = 256;

/**
 * Matches systemd's JobRemoved signals to callers waiting for a job. A
 * signal can be dispatched before the caller's continuation runs (reply and
 * signal arrive in one read), so recent results are remembered.
 */
export class JobWaiter {
  private readonly waiters = new Map<string, { resolve: (result: string) => void; reject: (err: Error) => void }>();
  private readonly finished = new Map<string, string>();

  constructor(private readonly clock: Clock) {}

  /** Feed from a JobRemoved(id, job, unit, result) signal. */
  removed(job: string, result: string): void {
    const w = this.waiters.get(job);
    if (w) {
      this.waiters.delete(job);
      w.resolve(result);
      return;
    }
    this.finished.set(job, result);
    if (this.finished.size > REMEMBERED) this.finished.delete(this.finished.keys().next().value as string);
  }

  /**
   * Resolves with the job's result (`done`, `canceled`, `failed`, ...).
   * Throws SystemdTimeoutError after `timeoutMs`, or what {@link failAll} passes.
   */
  wait(job: string, timeoutMs: number, unitName: string): Promise<string> {
    const known = this.finished.get(job);
    if (known !== undefined) {
      this.finished.delete(job);
      return Promise.resolve(known);
    }
    return new Promise<string>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.waiters.delete(job);
        reject(new SystemdTimeoutError('JobRemoved', timeoutMs, unitName));
      }, timeoutMs);
      this.waiters.set(job, {
        resolve: (r) => {
          this.clock.clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          this.clock.clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /** Rejects every waiter (the connection that would deliver their signal is gone) and forgets remembered jobs. */
  failAll(method: string, cause: Error): void {
    for (const w of this.waiters.values()) w.reject(new SystemdUnavailableError(method, { cause }));
    this.waiters.clear();
    this.finished.clear();
  }
}
