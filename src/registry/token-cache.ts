/**
 * Every fleetd's copy of the API tokens: listed once, then kept current by
 * the watch on `tokens/` (re-listed after a compaction), so checking a
 * request's token never reads etcd and a revocation applies on every fleetd
 * as soon as its watch delivers the deletion.
 */
import type { TokenRecord } from '../auth/token.js';
import type { Clock } from '../clock.js';
import type { RegistryError } from './errors.js';
import type { Subscription } from './kv.js';
import type { TokenEvent, TokenRegistry } from './token-registry.js';
import { follow } from './watch.js';

/** Options of {@link TokenCache}. */
export interface TokenCacheOptions {
  readonly clock?: Clock;
  /** A list attempt failed (it is retried); default ignore. */
  readonly onError?: (err: RegistryError) => void;
}

/** The token directory in memory. */
export class TokenCache {
  private readonly tokens = new Map<string, TokenRecord>();
  private sub: Subscription | undefined;
  private isLoaded = false;
  private readonly loadedWaiters: (() => void)[] = [];

  constructor(
    private readonly registry: TokenRegistry,
    private readonly options: TokenCacheOptions = {},
  ) {}

  /** Starts following the registry (idempotent). Never throws; failures are retried and reported to `onError`. */
  start(): void {
    if (this.sub !== undefined) return;
    this.sub = follow<{ tokens: TokenRecord[]; revision: bigint }, TokenEvent>(
      {
        list: () => this.registry.listTokens(),
        watch: (from, listener) => this.registry.watchTokens(from, listener),
      },
      {
        onSnapshot: ({ tokens }) => {
          this.tokens.clear();
          for (const t of tokens) this.tokens.set(t.id, t);
          if (!this.isLoaded) {
            this.isLoaded = true;
            for (const w of this.loadedWaiters.splice(0)) w();
          }
        },
        onEvents: (events) => {
          for (const ev of events) {
            if (ev.type === 'put') this.tokens.set(ev.token.id, ev.token);
            else this.tokens.delete(ev.id);
          }
        },
        ...(this.options.onError !== undefined ? { onError: this.options.onError } : {}),
      },
      this.options.clock !== undefined ? { clock: this.options.clock } : {},
    );
  }

  /** Whether the first listing arrived (before it, no token can be checked). */
  get loaded(): boolean {
    return this.isLoaded;
  }

  /** Resolves once the first listing arrived. */
  whenLoaded(): Promise<void> {
    return this.isLoaded ? Promise.resolve() : new Promise((resolve) => this.loadedWaiters.push(resolve));
  }

  /** The token with `id`; undefined when unknown or revoked. */
  lookup(id: string): TokenRecord | undefined {
    return this.tokens.get(id);
  }

  /** Number of tokens known. */
  get size(): number {
    return this.tokens.size;
  }

  /** Stops following. Idempotent. */
  async close(): Promise<void> {
    const s = this.sub;
    this.sub = undefined;
    await s?.close();
  }
}
