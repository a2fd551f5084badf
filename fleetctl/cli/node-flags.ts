/**
 * How the fleetctl bin starts Node (its shebang passes these; keep them in
 * sync, a test checks; the launcher passes them too, and the start-up
 * snapshot is built with them, since V8 refuses a snapshot made under other
 * flags). fleetctl runs for well under a second, so V8's compilers only
 * cost: `--no-opt` leaves out the optimizing compiler, which compiled hot
 * functions (JSON, HTTP, unit parsing) in the background and the process
 * exited before that paid back; `--jitless` leaves out the baseline
 * compiler (Sparkplug) too and runs everything in the interpreter, with no
 * executable memory at all: `start --no-block` of 1,000 unit files peaked
 * at 48.2-48.4 instead of 50.0-50.1 MiB, `destroy` of them at 46.5-47.4
 * instead of 49.2-49.4 MiB (bench/fleetctl-bulk-rss.ts; ~0.5 MiB of compiled code and
 * ~1.3 MiB of the node binary's compiler pages never touched) at the same
 * CPU time, and list-units / the completion query of 1,005 units took no
 * more CPU (README, "fleetctl per invocation"). `--no-expose-wasm`: jitless
 * cannot run WebAssembly, and saying so keeps Node from warning (fleetctl
 * uses none). A 1 MiB young generation keeps the heap small: without it
 * and `--no-opt`, `start --no-block` of 1,000 units took 0.80-0.83 s of
 * CPU and 61.1 MiB peak RSS instead of 0.51-0.54 s and 50.6 MiB.
 * The shebang also moves `NODE_EXTRA_CA_CERTS` aside before Node starts
 * (`src/tls/extra-ca-certs.ts`): Node 20 parses that file at every start.
 */
export const FLEETCTL_NODE_FLAGS: readonly string[] = ['--no-opt', '--jitless', '--no-expose-wasm', '--max-semi-space-size=1'];
