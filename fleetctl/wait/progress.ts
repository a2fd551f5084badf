/**
 * The one progress line shown while units are waited on concurrently
 * (terminal only): `Waiting for a.service (launched), b.service (loaded)... 4s`,
 * plus the first known scheduling explanation.
 */
import type { Output } from '../output/io.js';

/** Shared by the concurrent waits of one command. */
export class WaitProgress {
  private readonly pending = new Map<string, { target: string; reason?: string }>();
  private elapsedMs = 0;

  constructor(private readonly out: Output) {}

  /** Registers a unit being waited on. */
  start(name: string, target: string): void {
    this.pending.set(name, { target });
    this.render();
  }

  /** Notes time spent and, when known, why the unit is not there yet. */
  update(name: string, elapsedMs: number, reason?: string): void {
    const p = this.pending.get(name);
    if (p === undefined) return;
    if (reason !== undefined) p.reason = reason;
    this.elapsedMs = Math.max(this.elapsedMs, elapsedMs);
    this.render();
  }

  /** The unit is no longer waited on. */
  finish(name: string): void {
    this.pending.delete(name);
    this.render();
  }

  private render(): void {
    if (!this.out.isTTY) return;
    if (this.pending.size === 0) return this.out.progress(undefined);
    const names = [...this.pending].map(([n, p]) => `${n} (${p.target})`).sort();
    const reason = [...this.pending].find(([, p]) => p.reason !== undefined);
    const secs = Math.floor(this.elapsedMs / 1000);
    this.out.progress(`Waiting for ${names.join(', ')}... ${secs}s${reason ? ` - ${reason[0]}: ${reason[1].reason}` : ''}`);
  }
}
