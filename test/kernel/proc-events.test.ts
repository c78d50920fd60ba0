// Process events drive discovery. In the machine's pid namespace (`VNET_WORLD_PIDS=host
// scripts/world.sh`, which `npm test` runs this file in as well) the kernel's proc connector is
// there: with the full rescans set an hour apart, a process-held namespace appears in the model
// when its process execs and goes away when it exits, within about a second, through targeted
// passes only. In the ordinary world (its own pid namespace) the kernel ignores the listener: the
// engine must say so plainly and still find namespaces by its periodic /proc rescan.
import { afterEach, describe, expect, it } from 'vitest';
import { describeKernel, hostPidsWorld, initNetns } from '../helpers/world';
import { Engine } from '../../electron/engine';
import { loadNative } from '../../native';
import { holdTun, quiet, startContainer } from '../helpers/processes';
import type { Model } from '../../electron/contract';
import * as fs from 'node:fs';
import { ip } from '../helpers/ip';

const HOUR = 3_600_000;
const hasNs = (m: Model, inode: number) => m.namespaces.some((n) => n.inode === inode);
const netInode = (pid: number) => Number(/net:\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${pid}/ns/net`))![1]);

describeKernel('process events (proc connector) drive discovery', () => {
  let e: Engine | undefined;
  afterEach(async () => { await e?.stop(); e = undefined; });

  it('watchProcesses rejects bad arguments with an error naming them', async () => {
    const n = loadNative();
    await expect(n.watchProcesses!(42 as never)).rejects.toThrow(/onEvents must be a function/);
    await expect(n.watchProcesses!(() => {}, { nsPath: 7 as never })).rejects.toThrow(/options.nsPath must be a string or null/);
    await expect(n.watchProcesses!(() => {}, { nsPath: '/nonexistent/ns' })).rejects.toThrow(/open namespace "\/nonexistent\/ns": No such file/);
  });

  // One of the two, never a skip: `npm test` runs this file in both worlds.
  // One of the two, never a skip: `npm test` runs this file in both worlds.
  if (hostPidsWorld) describe('in the initial pid namespace', () => {
    it('the native watch reports a fork, an exec and an exit of a process we start', async () => {
      const seen = { forks: new Set<number>(), execs: new Set<number>(), exits: new Set<number>() };
      const w = await loadNative().watchProcesses!((b) => {
        for (let i = 0; i < b.forks.length; i += 2) seen.forks.add(b.forks[i]);
        for (const p of b.execs) seen.execs.add(p);
        for (const p of b.exits) seen.exits.add(p);
      }, { nsPath: initNetns });
      try {
        const c = await startContainer();
        const pid = c.pid;
        const until = Date.now() + 2000;
        while (!(seen.forks.has(pid) && seen.execs.has(pid)) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
        expect([seen.forks.has(pid), seen.execs.has(pid)]).toEqual([true, true]);
        c.kill('SIGKILL');
        while (!seen.exits.has(pid) && Date.now() < until + 2000) await new Promise((r) => setTimeout(r, 10));
        expect(seen.exits.has(pid)).toBe(true);
      } finally { w.close(); w.close(); /* idempotent */ }
    });

    it('a process-held namespace shows up on exec and goes on exit within ~1 s, with no full rescan', async () => {
      e = await Engine.start({ sampleHz: 0, reconcileMs: 0, rescanMs: HOUR, procRescanMs: HOUR, procEventsNetns: initNetns });
      expect(e.discoveryMode()).toEqual({ procEvents: true, reason: null });
      expect(e.status().discovery).toBe('process events (full /proc rescan every 3600 s as a backstop)');
      // In the machine's pid namespace the engine also watches other programs' namespaces, whose
      // changes may ask for a full pass; a round that saw one proves nothing and is run again.
      const round = async (): Promise<boolean> => {
        const full0 = e!.stats().fullPasses;
        const targeted0 = e!.stats().targetedPasses;
        const c = await startContainer();
        try {
          const inode = netInode(c.pid);
          let t = Date.now();
          await e!.waitFor((m) => hasNs(m, inode), 1500);
          const appeared = Date.now() - t;
          const ns = e!.model().namespaces.find((n) => n.inode === inode)!;
          expect(ns.kind).toBe('process');
          expect(ns.label).toBe(`pid ${c.pid} (sleep)`);
          t = Date.now();
          c.kill('SIGKILL');
          await e!.waitFor((m) => !hasNs(m, inode), 1500);
          const went = Date.now() - t;
          const full = e!.stats().fullPasses - full0;
          console.log(`proc events: namespace appeared ${appeared} ms after its holder ran, went ${went} ms after the kill (${full} full passes meanwhile)`);
          expect(e!.stats().targetedPasses).toBeGreaterThan(targeted0);
          return full === 0;
        } finally { quiet(() => c.kill('SIGKILL')); }
      };
      let clean = false;
      for (let i = 0; i < 5 && !clean; i++) clean = await round();
      expect(clean, 'a round with no full pass in it').toBe(true);
    });

    it('tun owners follow a program attaching (carrier on) and its exit, with no timer scan', async () => {
      // Up: the kernel announces a carrier change only on a device that is up.
      ip('tuntap', 'add', 'dev', 'pe-tun0', 'mode', 'tun');
      ip('link', 'set', 'pe-tun0', 'up');
      let holder: Awaited<ReturnType<typeof holdTun>> | undefined;
      try {
        e = await Engine.start({ sampleHz: 0, reconcileMs: 0, rescanMs: HOUR, procRescanMs: HOUR, procEventsNetns: initNetns });
        const owners = (m: Model) => m.namespaces.flatMap((n) => n.interfaces).find((i) => i.name === 'pe-tun0')?.tun?.owners.map((o) => o.pid);
        await e.waitFor((m) => owners(m)?.length === 0, 3000);
        // As above: a round during which a full pass (which scans owners too) ran is run again.
        let clean = false;
        for (let i = 0; i < 5 && !clean; i++) {
          const full0 = e.stats().fullPasses;
          const h = holder = await holdTun('pe-tun0', 'tun');
          await e.waitFor((m) => owners(m)?.[0] === h.pid, 1500);
          h.kill('SIGKILL');
          await e.waitFor((m) => owners(m)?.length === 0, 1500);
          clean = e.stats().fullPasses === full0;
        }
        expect(clean, 'a round with no full pass in it').toBe(true);
      } finally {
        if (holder) quiet(() => holder!.kill('SIGKILL'));
        quiet(() => ip('link', 'del', 'pe-tun0'));
      }
    });
  });

  else describe('outside the initial pid namespace (the ordinary world)', () => {
    it('says why process events are not used and finds namespaces by its periodic rescan', async () => {
      const logs: string[] = [];
      e = await Engine.start({ sampleHz: 0, reconcileMs: 0, rescanMs: 200, log: (m) => logs.push(m) });
      const mode = e.discoveryMode();
      expect(mode.procEvents).toBe(false);
      expect(mode.reason).toMatch(/initial network namespace|initial pid and user namespaces/);
      expect(logs.join('\n')).not.toMatch(/process events/); // said in the status, not in every command's stderr
      expect(e.status().discovery).toMatch(/^rescanning \/proc every 0.2 s; process events not used: process events: the kernel/);
      const c = await startContainer();
      try {
        const inode = netInode(c.pid);
        await e.waitFor((m) => hasNs(m, inode), 1500);
        c.kill('SIGKILL');
        await e.waitFor((m) => !hasNs(m, inode), 1500);
      } finally { quiet(() => c.kill('SIGKILL')); }
    });
  });
});
