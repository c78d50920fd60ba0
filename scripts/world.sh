#!/bin/sh
# Runs a command inside a throwaway world: a new network, mount and pid namespace with its own
# /proc, private tmpfs mounts on /run/netns (where `ip netns` keeps names) and on the labs' state
# directory /var/lib/vnet-studio (DEFAULT_STATE_DIR in electron/labs/journal.ts), /sys remounted
# for the new network namespace, and `lo` up. Nothing made inside can leak: the world ends with
# the command. A lab applied inside journals inside too, so the real machine's `lab list` never
# shows a lab that only existed in a world; for the same reason a VNET_STATE_DIR set outside is
# not passed in (inside, a command may set its own).
# Usage: scripts/world.sh COMMAND [ARGS...]   (needs root)
#
# VNET_WORLD_PIDS=host: the same world but in the machine's pid namespace, with the machine's
# /proc, for what the kernel gives only there: its process events (the proc connector) ignore
# listeners outside the initial pid namespace and answer only sockets in the initial network
# namespace, which this mode bind-mounts at $VNET_WORLD_INIT_NETNS (from the namespace the script
# was started in) for the engine to open that one socket in. The engine then also sees the
# machine's processes and their namespaces (read only); tests run so must look only at what they
# made, and clean up their processes themselves: only the command is killed with the world.
set -e
if [ "$(id -u)" != 0 ]; then echo "world.sh: needs root (it creates network namespaces)" >&2; exit 77; fi
STATE_DIR=/var/lib/vnet-studio
# Already inside a world? Trust the mounts only this script makes, not just the variable (a stray
# VNET_WORLD=1 must never let tests loose on the real machine).
in_world() {
  awk -v state="$STATE_DIR" '$(NF-1) == "vnet-world" { if ($5 == "/run/netns") n = 1; if ($5 == state) s = 1 }
    END { exit !(n && s) }' /proc/self/mountinfo
}
if [ "$VNET_WORLD" = 1 ] && in_world; then exec "$@"; fi
mkdir -p /run/netns
# The state mount needs a mount point: made empty, 0700 as the app makes it, if it is missing.
[ -d "$STATE_DIR" ] || mkdir -m 700 "$STATE_DIR"
if [ "$VNET_WORLD_PIDS" = host ]; then
  PIDS="--fork --kill-child"
  mkdir -p /run/vnet-world
  exec 3</proc/self/ns/net
else
  PIDS="--pid --fork --mount-proc"
  unset VNET_WORLD_PIDS
fi
# shellcheck disable=SC2086 # PIDS is a list of flags
exec env -u VNET_STATE_DIR VNET_WORLD_STATE_DIR="$STATE_DIR" \
  unshare --net --mount $PIDS --propagation private sh -c '
  set -e
  mount -t tmpfs -o mode=755 vnet-world /run/netns
  mount -t tmpfs -o mode=700 vnet-world "$VNET_WORLD_STATE_DIR"
  unset VNET_WORLD_STATE_DIR
  if [ "$VNET_WORLD_PIDS" = host ]; then
    mount -t tmpfs -o mode=700 vnet-world /run/vnet-world
    : > /run/vnet-world/init-net
    mount --bind /proc/self/fd/3 /run/vnet-world/init-net
    exec 3<&-
    export VNET_WORLD_INIT_NETNS=/run/vnet-world/init-net
  fi
  mount -t sysfs sysfs /sys 2>/dev/null || true
  ip link set lo up
  export VNET_WORLD=1
  exec "$@"' world "$@"
