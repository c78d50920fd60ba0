// The engine's options and their defaults from the environment, apart from the engine itself so
// the limits (also checked by the protocol server and the CLI) are defined once, in a file with no
// kernel code in it.
import type { NativeAddon } from '../../native/types';

export const MIN_HZ = 0.5;
export const MAX_HZ = 50;

export interface EngineOptions {
  /** Counter sample rate, Hz (0.5..50; 0 = no sampling). Default 10 or $VNET_SAMPLE_HZ. */
  sampleHz?: number;
  /** The low rate, Hz (0.5..sampleHz): counters of namespaces no client looks at (setInterest)
   *  are read this often. Default 1 or $VNET_LOW_SAMPLE_HZ. */
  lowSampleHz?: number;
  /** /proc rescan period, ms (0 = only on events: /run/netns changes, nsid events, links leaving). Default 1000. */
  rescanMs?: number;
  /** Reconciliation period, ms: each namespace's links, addresses and routes are re-dumped once per
   *  period (one namespace at a time, spread over the period), for what the kernel never announces,
   *  within the budget `reconcilePerSec`. 0 = off (events only). Default 3000 or $VNET_RECONCILE_MS. */
  reconcileMs?: number;
  /** The reconciliation budget: namespaces re-dumped per second at most (> 0), so its cost does
   *  not grow with the number of namespaces. With more than reconcilePerSec × reconcileMs / 1000
   *  namespaces a round takes longer than reconcileMs: N / reconcilePerSec seconds, the time an
   *  unannounced change may stay unseen (1,000 namespaces at the default: 100 s; a pass costs
   *  about a millisecond of CPU, so the default budget is about 1 % of a core).
   *  Default 10 or $VNET_RECONCILE_PER_SEC. */
  reconcilePerSec?: number;
  /** SO_RCVBUF for the event sockets (small values force ENOBUFS, for tests). */
  rcvbuf?: number;
  /** Event batches that may wait for the JS thread before the reader stops (native default 64);
   *  1 with a tiny rcvbuf makes an overflow certain while JS is busy (tests). */
  maxQueuedBatches?: number;
  /** The addon to use (default: native/index.ts). */
  native?: NativeAddon;
  /** Where `ip netns` keeps names. Default /run/netns. */
  netnsDir?: string;
  /** Diagnostics (stderr in the engine process). Default: nothing. */
  log?: (msg: string) => void;
}

export function defaultSampleHz(): number {
  const env = process.env.VNET_SAMPLE_HZ;
  if (env === undefined || env === '') return 10;
  const hz = Number(env);
  if (!Number.isFinite(hz) || hz < MIN_HZ || hz > MAX_HZ) {
    throw new Error(`VNET_SAMPLE_HZ must be a number from ${MIN_HZ} to ${MAX_HZ}, got ${JSON.stringify(env)}`);
  }
  return hz;
}

export function defaultLowSampleHz(): number {
  const env = process.env.VNET_LOW_SAMPLE_HZ;
  if (env === undefined || env === '') return 1;
  const hz = Number(env);
  if (!Number.isFinite(hz) || hz < MIN_HZ || hz > MAX_HZ) {
    throw new Error(`VNET_LOW_SAMPLE_HZ must be a number from ${MIN_HZ} to ${MAX_HZ}, got ${JSON.stringify(env)}`);
  }
  return hz;
}

export function defaultReconcileMs(): number {
  const env = process.env.VNET_RECONCILE_MS;
  if (env === undefined || env === '') return 3000;
  const ms = Number(env);
  if (!Number.isFinite(ms) || ms < 0 || ms > 3_600_000) {
    throw new Error(`VNET_RECONCILE_MS must be a number from 0 to 3600000, got ${JSON.stringify(env)}`);
  }
  return ms;
}

export const MAX_RECONCILE_PER_SEC = 1000;

export function defaultReconcilePerSec(): number {
  const env = process.env.VNET_RECONCILE_PER_SEC;
  if (env === undefined || env === '') return 10;
  const n = Number(env);
  if (!Number.isFinite(n) || n <= 0 || n > MAX_RECONCILE_PER_SEC) {
    throw new Error(`VNET_RECONCILE_PER_SEC must be a number above 0 and at most ${MAX_RECONCILE_PER_SEC}, got ${JSON.stringify(env)}`);
  }
  return n;
}
