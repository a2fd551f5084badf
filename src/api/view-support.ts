/** What the API's watch-fed views (`ScheduleView`, `UnitsView`) share: nested maps and stopping when unused. */
import type { Clock, TimerHandle } from '../clock.js';

/** Sets `outer[a][b]` to `value`, or deletes it (and an emptied inner map) when `value` is undefined. */
export function setNested<V>(outer: Map<string, Map<string, V>>, a: string, b: string, value: V | undefined): void {
  let inner = outer.get(a);
  if (value !== undefined) {
    if (inner === undefined) outer.set(a, (inner = new Map()));
    inner.set(b, value);
  } else if (inner !== undefined) {
    inner.delete(b);
    if (inner.size === 0) outer.delete(a);
  }
}

/** Calls `stop` once `idleMs` passed without a {@link IdleStop.touch}; armed by the first touch after start or stop. */
export class IdleStop {
  private lastUse = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly idleMs: number,
    private readonly stop: () => void,
  ) {}

  /** Marks a use; arms the timer when it is not running. */
  touch(): void {
    this.lastUse = this.clock.now();
    if (this.timer === undefined) this.arm(this.idleMs);
  }

  /** Disarms the timer (the owner stopped by itself). */
  cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const idle = this.clock.now() - this.lastUse;
      if (idle >= this.idleMs) this.stop();
      else this.arm(this.idleMs - idle);
    }, ms);
  }
}
