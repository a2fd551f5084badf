#!/bin/sh
# fleetctl's launcher (installed as bin/fleetctl; README "fleetctl start-up").
# It starts Node from fleetctl's start-up snapshot (fleetctl/snapshot.ts:
# commander and the commands already loaded) when the node binary on PATH is
# the one that built it, and runs the plain bundle (main.js) otherwise: a
# snapshot from another node binary would crash it.
# Node 20 parses NODE_EXTRA_CA_CERTS at every start; fleetctl moves it aside
# and adds those CAs itself when it verifies an https API
# (src/tls/extra-ca-certs.ts). The Node flags are fleetctl/cli/node-flags.ts's.
self=$(readlink -f -- "$0") || self=$0
dir=${self%/*}
node=$(command -v node) || { echo 'fleetctl: node not found on PATH' >&2; exit 127; }
FLEET_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS-}
export FLEET_EXTRA_CA_CERTS
unset NODE_EXTRA_CA_CERTS
if [ -r "$dir/fleetctl.blob" ] && read -r built < "$dir/fleetctl.blob.node" && [ "$built" = "$(stat -L -c '%s %Y %i' -- "$node" 2>/dev/null)" ]; then
  exec "$node" --no-opt --jitless --no-expose-wasm --max-semi-space-size=1 --snapshot-blob "$dir/fleetctl.blob" -- "$@"
fi
exec "$node" --no-opt --jitless --no-expose-wasm --max-semi-space-size=1 "$dir/main.js" "$@"
