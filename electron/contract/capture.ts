// Packet capture: the capture methods of `Methods` (rpc.ts), their notifications, and the limits
// both sides check. The engine side is electron/capture/ (sessions) registered by
// electron/engine-process/index.ts; the renderer shows `capturePackets` live and decodes them with
// packet-summary.ts.
//
// A capture runs in the engine on one or more interfaces (model interface ids), each in its own
// namespace. Every packet it sees is written to the capture's pcapng (up to its size limit, then
// only counted) and, within a rate limit, sent live to the clients in batches.

/** How a captured frame starts: an Ethernet header (veth, bridge, tap, physical, loopback; pcap
 *  LINKTYPE_ETHERNET 1) or an IP header (tun; LINKTYPE_RAW 101). */
export type CaptureLinkType = 'ethernet' | 'raw';

/** Which way the packet went on its interface: 'tx' the interface sent it (PACKET_OUTGOING), 'rx'
 *  it arrived there. */
export type CaptureDirection = 'rx' | 'tx';
/** The packet socket's packet type (sll_pkttype): to this host, broadcast, multicast, to another
 *  host (promiscuous, e.g. a bridge port), or sent by this host. */
export type CapturePacketType = 'host' | 'broadcast' | 'multicast' | 'otherhost' | 'outgoing';

/** One interface of a capture. */
export interface CaptureInterface {
  /** The model's interface id ("ns:4026531840/if:7"). */
  id: string;
  /** Its namespace's model id. */
  nsId: string;
  /** How the capture names it, also the pcapng interface name: `NS:IFNAME` with NS as the CLI
   *  spells namespaces ("host:docker0", "blue:veth0", "pid:812:eth0", "ns:4026532301:eth0"). */
  name: string;
  /** The namespace's label (Namespace.label), also the pcapng interface's comment. */
  nsLabel: string;
  linkType: CaptureLinkType;
  /** The filter the kernel runs on this interface (CaptureInfo.kernelFilter says how it is made). */
  kernelFilter: string;
}

/** Counts of one interface of a capture. */
export interface CaptureIfaceStats {
  /** Interface id. */
  id: string;
  /** Packets the app received from the kernel for it. */
  received: number;
  /** Packets the kernel dropped before the app read them (PACKET_STATISTICS tp_drops: the ring was full). */
  kernelDropped: number;
  /** Packets the app read but dropped because the engine fell behind (pcapng isb_osdrop). */
  appDropped: number;
  /** Packets of it written to the pcapng. */
  saved: number;
  /** Bytes on the wire of what was received (original lengths). */
  bytes: number;
}

export interface CaptureStats {
  received: number;
  kernelDropped: number;
  appDropped: number;
  saved: number;
  /** Packets left out of the live stream (the rate limit); the pcapng still has them. */
  liveSkipped: number;
  /** Size of the pcapng so far. */
  fileBytes: number;
  /** The pcapng reached its size limit: later packets are counted, not saved. */
  fileFull: boolean;
  interfaces: CaptureIfaceStats[];
}

/** Why a capture ended:
 *  - 'stopped': captureStop (or the CLI's Ctrl-C / SIGTERM)
 *  - 'count': it received the `count` packets it was asked for
 *  - 'interface-gone': one of its interfaces was deleted (or moved to another namespace)
 *  - 'namespace-gone': the namespace of one of its interfaces went away
 *  - 'engine-stopped': the engine shut down
 *  - 'error': the kernel or the app failed (the message says what) */
export type CaptureEndReason = 'stopped' | 'count' | 'interface-gone' | 'namespace-gone' | 'engine-stopped' | 'error';

export type CaptureState = 'running' | 'ended';

/** A capture as captureStart/captureStop/captureList describe it. */
export interface CaptureInfo {
  id: string;
  state: CaptureState;
  interfaces: CaptureInterface[];
  /** The filter asked for (pcap-filter syntax; '' = everything). */
  filter: string;
  /** The filter the kernel runs: `filter`, plus on the host namespace's lo the exclusion of the
   *  app's own transport ("not tcp port P", the web host's port) — on that interface only, so each
   *  interface says its own (CaptureInterface.kernelFilter); this is the first interface's. */
  kernelFilter: string;
  snaplen: number;
  /** Stop after this many packets (null: until stopped). */
  count: number | null;
  /** Bytes of each packet sent live (the rest is only in the pcapng). */
  liveBytes: number;
  /** Size limit of the pcapng. */
  maxFileBytes: number;
  /** Engine wall clock, ms. */
  startedAt: number;
  endedAt: number | null;
  /** Set once ended. */
  reason: CaptureEndReason | null;
  /** Words on the end ("veth0 in blue was deleted"); null while running or when stopped. */
  message: string | null;
  stats: CaptureStats;
}

/** One packet in the live stream. */
export interface CapturePacket {
  /** Its number in the capture, 1-based, counting every packet received in time order across the
   *  capture's interfaces (while the pcapng is not full, its frame number there). Gaps in the live
   *  stream are the packets skipped by the rate limit. */
  n: number;
  /** Interface id. */
  iface: string;
  /** Kernel timestamp, ms since the epoch with a fraction (µs precision; the pcapng has ns). */
  t: number;
  dir: CaptureDirection;
  type: CapturePacketType;
  /** Length on the wire. */
  len: number;
  /** Bytes captured (at most the snaplen; what the pcapng has). */
  caplen: number;
  /** The first min(caplen, liveBytes) bytes, base64 (decode with base64ToBytes). */
  data: string;
}

/** A batch of live packets of one capture (sent every CAPTURE_BATCH_MS at most, to every client). */
export interface CapturePacketsBatch {
  id: string;
  packets: CapturePacket[];
  /** Packets this batch leaves out (the rate limit), since the previous batch. */
  skipped: number;
  /** The counts as of this batch. */
  stats: CaptureStats;
}

export interface CaptureEnded {
  id: string;
  reason: CaptureEndReason;
  message: string | null;
  stats: CaptureStats;
}

export interface CaptureStartParams {
  /** Interface ids (the model's), 1..MAX_CAPTURE_INTERFACES, no repeats. */
  interfaces: string[];
  /** pcap-filter expression (compiled by libpcap per link type; one that does not compile is
   *  refused with libpcap's message). Default ''. */
  filter?: string;
  /** Bytes saved of each packet, CAPTURE_MIN_SNAPLEN..CAPTURE_MAX_SNAPLEN. Default CAPTURE_MAX_SNAPLEN. */
  snaplen?: number;
  /** Stop after this many packets, 1..CAPTURE_MAX_COUNT. Default: none. */
  count?: number;
  /** Bytes of each packet sent live, 0..CAPTURE_MAX_LIVE_BYTES. Default CAPTURE_DEFAULT_LIVE_BYTES. */
  liveBytes?: number;
  /** Size limit of the pcapng, CAPTURE_MIN_FILE_BYTES..CAPTURE_MAX_FILE_BYTES. Default CAPTURE_DEFAULT_FILE_BYTES. */
  maxFileBytes?: number;
}

/** A piece of a capture's pcapng. */
export interface CaptureChunk {
  id: string;
  offset: number;
  /** The bytes from `offset`, base64 (at most the length asked for; empty at the end). */
  data: string;
  /** Bytes in `data`. */
  bytes: number;
  /** Size of the pcapng now (it grows while the capture runs). */
  total: number;
  /** The capture ended and its file is final (its statistics blocks written): reading up to
   *  `total` gives the whole file. While running, the bytes up to `total` are a valid pcapng too,
   *  without the statistics. */
  complete: boolean;
}

export interface CaptureMethods {
  /** Start a capture; nothing starts if any interface or the filter is refused. */
  captureStart: { params: CaptureStartParams; result: CaptureInfo };
  /** End a running capture (reason 'stopped'); an ended one is answered as it is. */
  captureStop: { params: { id: string }; result: CaptureInfo };
  /** Every capture the engine keeps: running ones and the last ended ones (their files readable). */
  captureList: { params: Record<string, never> | undefined; result: { captures: CaptureInfo[] } };
  /** Read the pcapng in chunks: `length` 1..CAPTURE_MAX_CHUNK_BYTES (default the maximum). */
  captureRead: { params: { id: string; offset: number; length?: number }; result: CaptureChunk };
  /** Forget an ended capture and delete its file (a running one is refused: stop it first). */
  captureDiscard: { params: { id: string }; result: { ok: true } };
}
export const CAPTURE_METHOD_NAMES = ['captureStart', 'captureStop', 'captureList', 'captureRead', 'captureDiscard'] as const satisfies readonly (keyof CaptureMethods)[];
type _CaptureNamesComplete = Exclude<keyof CaptureMethods, (typeof CAPTURE_METHOD_NAMES)[number]> extends never ? true : never;
const _captureNamesComplete: _CaptureNamesComplete = true; void _captureNamesComplete;

export interface CaptureNotifications {
  capturePackets: CapturePacketsBatch;
  captureEnded: CaptureEnded;
}
export const CAPTURE_NOTIFICATION_NAMES = ['capturePackets', 'captureEnded'] as const satisfies readonly (keyof CaptureNotifications)[];

export const CAPTURE_MAX_INTERFACES = 32;
/** The longest filter expression, UTF-8 bytes. */
export const CAPTURE_MAX_FILTER_BYTES = 4096;
export const CAPTURE_MIN_SNAPLEN = 64;
export const CAPTURE_MAX_SNAPLEN = 262144;
export const CAPTURE_MAX_COUNT = 1_000_000_000;
export const CAPTURE_DEFAULT_LIVE_BYTES = 256;
export const CAPTURE_MAX_LIVE_BYTES = 2048;
export const CAPTURE_MIN_FILE_BYTES = 1 << 16;
export const CAPTURE_DEFAULT_FILE_BYTES = 64 << 20;
export const CAPTURE_MAX_FILE_BYTES = 1 << 30;
export const CAPTURE_MAX_CHUNK_BYTES = 1 << 20;
/** Running captures at once. */
export const CAPTURE_MAX_RUNNING = 8;
/** Ended captures kept (with their files) for reading; the oldest is forgotten first. */
export const CAPTURE_MAX_KEPT = 16;
/** Live batches go out at most this often (per capture). */
export const CAPTURE_BATCH_MS = 100;
/** Live packets the engine sends a second at most, all captures together; the rest are skipped
 *  (and counted in `liveSkipped`). */
export const CAPTURE_MAX_LIVE_PER_SECOND = 2000;

/** Bytes of a base64 text (the live packets' `data`, captureRead's chunks). Pure: no Buffer, no atob. */
export function base64ToBytes(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let acc = 0, bits = 0, o = 0;
  for (let i = 0; i < clean.length; i++) {
    const v = B64_VALUE[clean.charCodeAt(i)];
    if (v === undefined || v < 0) throw new Error(`base64ToBytes: not base64 at offset ${i}`);
    acc = (acc << 6) | v; bits += 6;
    if (bits >= 8) { bits -= 8; out[o++] = (acc >> bits) & 0xff; }
  }
  return out.subarray(0, o);
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE: number[] = (() => {
  const t = new Array<number>(128).fill(-1);
  for (let i = 0; i < B64_ALPHABET.length; i++) t[B64_ALPHABET.charCodeAt(i)] = i;
  return t;
})();
