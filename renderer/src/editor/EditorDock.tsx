// The bottom dock: the command log, the lab panel, the capture panel and the trace panel as tabs;
// collapsible.
import { useEffect, useState } from 'react';
import { CommandLog } from './CommandLog';
import { LabPanel } from './LabPanel';
import { useEditor } from './editor-store';
import { useWhyNotEditable } from './perform';
import { CapturePanel } from '../capture/CapturePanel';
import { TracePanel } from '../trace/TracePanel';
import { useCapture, useTrace } from '../store';

export function EditorDock() {
  const [tab, setTab] = useState<'log' | 'labs' | 'packets' | 'trace' | null>('log');
  const count = useEditor((s) => s.log.length);
  // "capture all" in a namespace's inspector asks for the capture panel.
  const showPackets = useCapture((s) => s.showRequest);
  useEffect(() => { if (showPackets) setTab('packets'); }, [showPackets]);
  // "follow" in an inspector asks for the trace panel.
  const showTrace = useTrace((s) => s.showRequest);
  useEffect(() => { if (showTrace) setTab('trace'); }, [showTrace]);
  const tracing = useTrace((s) => !!s.running);
  const capturing = useCapture((s) => s.capture?.state === 'running');
  const why = useWhyNotEditable();
  return (
    <section className={`editor-dock${tab ? '' : ' collapsed'}${tab === 'packets' || tab === 'trace' ? ' tall' : ''}`} data-testid="editor-dock">
      <div className="dock-tabs">
        <button data-testid="tab-log" className={tab === 'log' ? 'active' : ''} onClick={() => setTab(tab === 'log' ? null : 'log')}>commands{count ? ` (${count})` : ''}</button>
        <button data-testid="tab-labs" className={tab === 'labs' ? 'active' : ''} onClick={() => setTab(tab === 'labs' ? null : 'labs')}>labs</button>
        <button data-testid="tab-packets" className={tab === 'packets' ? 'active' : ''} onClick={() => setTab(tab === 'packets' ? null : 'packets')}>packets{capturing ? ' ●' : ''}</button>
        <button data-testid="tab-trace" className={tab === 'trace' ? 'active' : ''} onClick={() => setTab(tab === 'trace' ? null : 'trace')}>trace{tracing ? ' …' : ''}</button>
        {why && <span className="dock-why" data-testid="editing-disabled" title={why}>editing is off: {why}</span>}
      </div>
      {/* both stay mounted (an open lab file survives a look at the log); the other is hidden */}
      <div className="dock-pane" hidden={tab !== 'log'}><CommandLog /></div>
      <div className="dock-pane" hidden={tab !== 'labs'}><LabPanel /></div>
      <div className="dock-pane" hidden={tab !== 'packets'}><CapturePanel /></div>
      <div className="dock-pane" hidden={tab !== 'trace'}><TracePanel /></div>
    </section>
  );
}
