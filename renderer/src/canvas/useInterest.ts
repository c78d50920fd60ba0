// Tells the engine what the canvas shows (graph/interest.ts), so that is sampled at the full rate
// and the rest at the low rate. Sent when the set changes (a pan or zoom settles for 250 ms), and
// again whenever the connection comes back (a new connection starts with no interest).
import { useEffect, useRef } from 'react';
import { useStore as useFlowStore } from '@xyflow/react';
import { interestOf } from '../graph/interest';
import type { FlowNode } from '../graph/types';
import { useConnection } from '../store';
import { getClient } from '../transport/current-client';

const SETTLE_MS = 250;

export function useInterest(nodes: readonly FlowNode[], selectedId: string | null): void {
  const [x, y, zoom] = useFlowStore((s) => s.transform);
  const width = useFlowStore((s) => s.width), height = useFlowStore((s) => s.height);
  const live = useConnection((s) => s.connected && s.engineConnected);
  const sent = useRef<string | null>(null);

  useEffect(() => { if (!live) sent.current = null; }, [live]);

  useEffect(() => {
    if (!live) return;
    const t = setTimeout(() => {
      const ids = interestOf(nodes, { x, y, zoom, width, height }, selectedId);
      const key = ids.join(' ');
      if (key === sent.current) return;
      const client = getClient();
      if (!client) return;
      sent.current = key;
      client.call('setInterest', { namespaces: ids }).catch((e: unknown) => {
        sent.current = null; // try again on the next change
        console.warn(`setInterest: ${e instanceof Error ? e.message : String(e)}`);
      });
    }, SETTLE_MS);
    return () => clearTimeout(t);
  }, [nodes, x, y, zoom, width, height, selectedId, live]);
}
