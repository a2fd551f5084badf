import { pathToFileURL } from 'node:url';

/**
 * Runs an async benchmark's `main` when its module is the script node was
 * started with, then exits: 0 when it resolved, 1 (after printing the error)
 * when it rejected. The exit is explicit because sandbox bus connections,
 * child handles and etcd clients must not keep the process alive.
 */
export function runAsScript(moduleUrl: string, main: () => Promise<unknown>): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
