/**
 * Polls `check` every `intervalMs` until it returns true; rejects after
 * `timeoutMs` naming `what` (a benchmark that cannot converge must fail
 * loudly, not print a figure).
 */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 20): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
