import type { KeyValue, KvBackend } from './kv.js';

/**
 * The keys under `prefixes` at one revision, handed to `onPage` page by
 * page (see {@link KvBackend.scanPrefixes}); a backend without paging hands
 * each prefix over whole, from `listPrefixes`, or from one `list` per prefix
 * (then at the earliest of their revisions, so a follower that watches from
 * the returned revision replays what a later list already had: idempotent).
 * @returns the revision the keys were read at.
 * @throws the backend's registry errors, or what `onPage` threw.
 */
export async function scanPrefixes(kv: KvBackend, prefixes: readonly string[], onPage: (prefixIndex: number, kvs: readonly KeyValue[]) => void): Promise<bigint> {
  if (kv.scanPrefixes) return kv.scanPrefixes(prefixes, onPage);
  if (kv.listPrefixes) {
    const { lists, revision } = await kv.listPrefixes(prefixes);
    lists.forEach((kvs, i) => onPage(i, kvs));
    return revision;
  }
  const results = await Promise.all(prefixes.map((p) => kv.list(p)));
  results.forEach((r, i) => onPage(i, r.kvs));
  return results.reduce((min, r) => (r.revision < min ? r.revision : min), results[0]?.revision ?? 0n);
}
