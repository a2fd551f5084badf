/**
 * How the fleetctl bin starts Node (its shebang passes these; keep them in
 * sync, a test checks). fleetctl runs for well under a second, so V8's
 * optimizing compiler only costs: it compiles hot functions (JSON, HTTP,
 * unit parsing) in the background and the process exits before that pays
 * back. Without it, and with a 1 MiB young generation, `start --no-block` of
 * 1,000 units took 0.51-0.54 s of CPU and 50.6 MiB peak RSS instead of
 * 0.80-0.83 s and 61.1 MiB, and `list-units` of 1,000 units 49.5 MiB
 * instead of 53.7 MiB (README, "fleetctl per invocation").
 * The shebang also moves `NODE_EXTRA_CA_CERTS` aside before Node starts
 * (`src/tls/extra-ca-certs.ts`): Node 20 parses that file at every start.
 */
export const FLEETCTL_NODE_FLAGS: readonly string[] = ['--no-opt', '--max-semi-space-size=1'];
