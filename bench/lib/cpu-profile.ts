/**
 * CPU profiles of one part of a benchmark (node's inspector, in process),
 * so a profile shows the measured requests and not the set-up before them.
 * Open the written `.cpuprofile` in Chrome DevTools, or summarise it with
 * `node scripts/cpu-profile-top.mjs FILE`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** A started profile; `stop` writes it to `path` and returns the path. */
export interface CpuProfile {
  stop(): Promise<string>;
}

/** Starts profiling this process (1 ms sampling). */
export async function startCpuProfile(path: string): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(path, JSON.stringify(profile));
      session.disconnect();
      return path;
    },
  };
}
