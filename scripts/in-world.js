// Bench scripts make devices: they must run inside a throwaway world (scripts/world.sh). This
// re-runs the calling script there unless it already is — judged by the tmpfs mounts only world.sh
// makes (on /run/netns and on the labs' state directory), not by the VNET_WORLD variable alone (a
// stray variable must not let it loose on the real machine).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** The mount points world.sh covers with its private tmpfs mounts (source "vnet-world"). */
const WORLD_MOUNTS = ['/run/netns', '/var/lib/vnet-studio'];

function inWorld() {
  if (process.env.VNET_WORLD !== '1') return false;
  let mounts;
  try {
    mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' '))
      .filter((f) => f[f.length - 2] === 'vnet-world').map((f) => f[4]);
  } catch { return false; }
  return WORLD_MOUNTS.every((m) => mounts.includes(m));
}

/** Returns when already in a world; otherwise runs `script` with the same arguments in one and exits.
 *  `opts.hostPids`: the world that keeps the machine's pid namespace (world.sh VNET_WORLD_PIDS=host),
 *  where the kernel's process events reach the engine as on a real host; the script must then end
 *  the processes it starts itself. */
function ensureWorld(script, opts = {}) {
  if (inWorld()) return;
  const env = opts.hostPids ? { ...process.env, VNET_WORLD_PIDS: 'host' } : process.env;
  const r = spawnSync(path.join(__dirname, 'world.sh'), [process.execPath, script, ...process.argv.slice(2)], { stdio: 'inherit', env });
  process.exit(r.status ?? 1);
}

module.exports = { ensureWorld, inWorld, WORLD_MOUNTS };
