/**
 * API tokens in etcd: `tokens/<id>` holds a {@link TokenRecord} (salted
 * hash only), `auth/bootstrapped` marks that the first admin token was
 * made. Every fleetd lists and watches `tokens/` (see `token-cache.ts`), so
 * a revoked token stops working everywhere as soon as the deletion arrives.
 */
import { parseTokenRecord, type TokenRecord } from '../auth/token.js';
import { AlreadyBootstrappedError, CorruptRecordError, TokenNotFoundError } from './errors.js';
import type { KeyLayout } from './keys.js';
import type { KeyValue, KvBackend, Subscription } from './kv.js';
import type { RegistryWatchListener } from './roles.js';

/** A change of the token directory. */
export type TokenEvent =
  | { readonly type: 'put'; readonly token: TokenRecord }
  /** Revoked (or a record that cannot be read, which counts as absent). */
  | { readonly type: 'delete'; readonly id: string };

/** What the API needs to manage and check tokens. */
export interface TokenRegistry {
  /**
   * Stores the cluster's first token, once: rejects with
   * {@link AlreadyBootstrappedError} if a bootstrap happened before (even if
   * that token was revoked since, as Nomad's ACL bootstrap).
   */
  bootstrap(record: TokenRecord): Promise<void>;
  /** Stores a new token (create-only: an id already in use rejects with `RangeError`; ids are random, so this is a bug guard). */
  createToken(record: TokenRecord): Promise<void>;
  /** Deletes a token; rejects with {@link TokenNotFoundError}. */
  revokeToken(id: string): Promise<void>;
  /** Every readable token, sorted by id, and the revision read at (unreadable records are reported to `warn` and skipped). */
  listTokens(): Promise<{ tokens: TokenRecord[]; revision: bigint }>;
  /** Watches `tokens/` from `fromRevision` (inclusive). */
  watchTokens(fromRevision: bigint, listener: RegistryWatchListener<TokenEvent>): Subscription;
}

/** {@link TokenRegistry} over any {@link KvBackend}. */
export class KvTokenRegistry implements TokenRegistry {
  constructor(
    private readonly kv: KvBackend,
    private readonly layout: KeyLayout,
    private readonly warn: (err: CorruptRecordError) => void,
  ) {}

  async bootstrap(record: TokenRecord): Promise<void> {
    const marker = this.layout.authBootstrapped();
    const res = await this.kv.txn(
      [{ key: marker, target: 'create', result: 'equal', value: 0n }],
      [
        { type: 'put', key: marker, value: JSON.stringify({ tokenId: record.id, at: record.createdAt }) },
        { type: 'put', key: this.layout.token(record.id), value: JSON.stringify(record) },
      ],
    );
    if (!res.succeeded) throw new AlreadyBootstrappedError();
  }

  async createToken(record: TokenRecord): Promise<void> {
    const key = this.layout.token(record.id);
    const res = await this.kv.txn([{ key, target: 'create', result: 'equal', value: 0n }], [{ type: 'put', key, value: JSON.stringify(record) }]);
    if (!res.succeeded) throw new RangeError(`token id ${record.id} is already in use`);
  }

  async revokeToken(id: string): Promise<void> {
    const key = this.layout.token(id);
    const res = await this.kv.txn([{ key, target: 'create', result: 'greater', value: 0n }], [{ type: 'delete', key }]);
    if (!res.succeeded) throw new TokenNotFoundError(id);
  }

  async listTokens(): Promise<{ tokens: TokenRecord[]; revision: bigint }> {
    const { kvs, revision } = await this.kv.list(this.layout.tokens());
    const tokens: TokenRecord[] = [];
    for (const kv of kvs) {
      const t = this.decode(kv);
      if (t !== undefined) tokens.push(t);
    }
    return { tokens, revision };
  }

  watchTokens(fromRevision: bigint, listener: RegistryWatchListener<TokenEvent>): Subscription {
    const dir = this.layout.tokens();
    return this.kv.watch(dir, fromRevision, {
      onEvents: (events) => {
        const out: TokenEvent[] = [];
        for (const ev of events) {
          const id = ev.kv.key.slice(dir.length);
          const token = ev.type === 'put' ? this.decode(ev.kv) : undefined;
          out.push(token !== undefined ? { type: 'put', token } : { type: 'delete', id });
        }
        if (out.length > 0) listener.onEvents(out);
      },
      onResync: (reason) => listener.onResync(reason),
      onConnection: (connected) => listener.onConnection?.(connected),
    });
  }

  /** The record at `kv`, or undefined (reported) when it cannot be read or disagrees with its key. */
  private decode(kv: KeyValue): TokenRecord | undefined {
    try {
      const record = parseTokenRecord(JSON.parse(kv.value));
      if (kv.key !== this.layout.token(record.id)) throw new Error(`id ${record.id} does not match the key`);
      return record;
    } catch (err) {
      this.warn(new CorruptRecordError(kv.key, (err as Error).message));
      return undefined;
    }
  }
}
