// Bench scripts make devices: they must run inside a throwaway world (scripts/world.sh). This
// re-runs the calling script there unless it already is — judged by the tmpfs only world.sh mounts
// on /run/netns, not by the VNET_WORLD variable alone (a stray variable must not let it loose on
// the real machine).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function inWorld() {
  if (process.env.VNET_WORLD !== '1') return false;
  try {
    return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => {
      const f = line.split(' ');
      return f[4] === '/run/netns' && f[f.length - 2] === 'vnet-world';
    });
  } catch { return false; }
}

/** Returns when already in a world; otherwise runs `script` with the same arguments in one and exits. */
function ensureWorld(script) {
  if (inWorld()) return;
  const r = spawnSync(path.join(__dirname, 'world.sh'), [process.execPath, script, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

module.exports = { ensureWorld, inWorld };
