/**
 * Shell scripts a sandbox host is started with (written into its scratch dir
 * so a failed start can be replayed by hand). The recipe is the one in
 * design.md "Running real systemd in tests", plus three extras that keep
 * hosts apart: a tmpfs on /run/log and /var/log/journal (journald otherwise
 * shares its files between hosts) and a per-host /etc/machine-id.
 */

/**
 * Outer step, run as `sh outer.sh <cgroup-name> <scratch> <runtime-dir>`:
 * moves itself into the host's cgroup subtrees, then becomes (by exec, so
 * the PID stays the same) the new namespaces' systemd.
 */
export const OUTER_SCRIPT = `set -e
echo $$ > /sys/fs/cgroup/systemd/$1/cgroup.procs
echo $$ > /sys/fs/cgroup/unified/$1/cgroup.procs
exec unshare --mount --cgroup /bin/sh "$2/inner.sh" "$@"
`;

/** Inner step, inside the new mount + cgroup namespace; ends as \`systemd --user\`. */
export const INNER_SCRIPT = `set -e
CG=$1 D=$2 R=$3
mount --make-rprivate /
mount -t tmpfs -o mode=755 tmpfs /run/systemd
mkdir -p /run/systemd/system /run/systemd/journal
mkdir -p /run/log
mount -t tmpfs -o mode=755 tmpfs /run/log
if [ -d /var/log/journal ]; then mount -t tmpfs -o mode=2755 tmpfs /var/log/journal; fi
mount --bind "$D/machine-id" /etc/machine-id
mount --bind /sys/fs/cgroup/systemd/$CG /sys/fs/cgroup/systemd
mount --bind /sys/fs/cgroup/unified/$CG /sys/fs/cgroup/unified
export XDG_RUNTIME_DIR="$R" DBUS_SESSION_BUS_ADDRESS="unix:path=$R/bus"
dbus-daemon --session --address="unix:path=$R/bus" --fork --print-pid=3 3>"$D/dbus.pid"
/lib/systemd/systemd-journald &
echo $! > "$D/journald.pid"
exec systemd --user
`;
