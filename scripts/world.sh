#!/bin/sh
# Runs a command inside a throwaway world (DESIGN.md, "Tests"): a new network, mount and pid
# namespace with its own /proc, a private tmpfs on /run/netns and /sys remounted for the new
# network namespace, and `lo` up. Nothing made inside can leak: the world ends with the command.
# Usage: scripts/world.sh COMMAND [ARGS...]   (needs root)
set -e
if [ "$(id -u)" != 0 ]; then echo "world.sh: needs root (it creates network namespaces)" >&2; exit 77; fi
# Already inside a world? Trust the mount only this script makes, not just the variable (a stray
# VNET_WORLD=1 must never let tests loose on the real machine).
in_world() { awk '$5 == "/run/netns" && $(NF-1) == "vnet-world" { found = 1 } END { exit !found }' /proc/self/mountinfo; }
if [ "$VNET_WORLD" = 1 ] && in_world; then exec "$@"; fi
mkdir -p /run/netns
exec unshare --net --mount --pid --fork --mount-proc --propagation private sh -c '
  set -e
  mount -t tmpfs -o mode=755 vnet-world /run/netns
  mount -t sysfs sysfs /sys 2>/dev/null || true
  ip link set lo up
  export VNET_WORLD=1
  exec "$@"' world "$@"
