#!/usr/bin/env bash
# Installs what fleet's tests and local cluster need on a fresh Debian machine
# with Node 20 (idempotent: it only installs what is missing), then builds.
#   - etcd-server (Debian package, etcd 3.4): the only datastore
#   - chromium (Debian package): the dashboard's browser tests drive it headless
#   - npm dependencies exactly as locked (npm ci)
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v etcd >/dev/null 2>&1 || need_apt+=(etcd-server)
command -v dbus-daemon >/dev/null 2>&1 || need_apt+=(dbus)
command -v unshare >/dev/null 2>&1 || need_apt+=(util-linux)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# The Debian package starts an etcd service where an init system runs; ours
# start their own etcd on free loopback ports and never use that one.

# A node_modules that is a symlink is a shared install (git worktrees of one
# checkout): npm ci would empty the linked directory for every worktree.
if [ -L node_modules ]; then
  :
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >/dev/null
fi
npm run --silent build
