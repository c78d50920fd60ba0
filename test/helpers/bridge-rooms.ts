// Two named namespaces on one bridge of the test's namespace, the article's bridge picture:
// NS1/eth0 <-> VETH1 -- BR -- VETH2 <-> NS2/eth0, SUBNET.1 and SUBNET.2 /24. Used by the browser
// tests that follow packets across it, and what those tests read of the engine's answers.
import type { Page } from 'playwright-core';
import type { TraceResult } from '../../electron/contract';
import { ip } from './ip';
import { quiet } from './processes';

export interface BridgeRooms { br: string; ns: readonly [string, string]; veth: string; subnet: string }

/** Builds the rooms; the ends on the bridge are `${veth}1` and `${veth}2`. Returns what removes them. */
export function buildBridgeRooms(r: BridgeRooms): () => void {
  ip('link', 'add', r.br, 'type', 'bridge');
  ip('link', 'set', r.br, 'up');
  for (const [n, ns] of [[1, r.ns[0]], [2, r.ns[1]]] as const) {
    ip('netns', 'add', ns);
    ip('link', 'add', `${r.veth}${n}`, 'type', 'veth', 'peer', 'name', `${r.veth}peer${n}`);
    ip('link', 'set', `${r.veth}peer${n}`, 'netns', ns);
    ip('-n', ns, 'link', 'set', `${r.veth}peer${n}`, 'name', 'eth0');
    ip('-n', ns, 'addr', 'add', `${r.subnet}.${n}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('link', 'set', `${r.veth}${n}`, 'master', r.br);
    ip('link', 'set', `${r.veth}${n}`, 'up');
  }
  return () => {
    for (const args of [['netns', 'del', r.ns[0]], ['netns', 'del', r.ns[1]], ['link', 'del', r.br], ['link', 'del', `${r.veth}1`], ['link', 'del', `${r.veth}2`]]) quiet(() => ip(...args));
  };
}

/** Pushes into `into` the engine's answers to the page's trace calls, as they cross the WebSocket. */
export function collectTraceAnswers(page: Page, into: TraceResult[]): void {
  page.on('websocket', (ws) => ws.on('framereceived', (f) => {
    try {
      const m = JSON.parse(String(f.payload)) as { result?: TraceResult };
      if (m?.result && Array.isArray(m.result.echoes)) into.push(m.result);
    } catch { /* not JSON: not ours */ }
  }));
}
