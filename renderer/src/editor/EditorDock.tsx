// The bottom dock: the command log, the lab panel and the capture panel as tabs; collapsible.
import { useEffect, useState } from 'react';
import { CommandLog } from './CommandLog';
import { LabPanel } from './LabPanel';
import { useEditor } from './editor-store';
import { useWhyNotEditable } from './perform';
import { CapturePanel } from '../capture/CapturePanel';
import { useCapture } from '../store';

export function EditorDock() {
  const [tab, setTab] = useState<'log' | 'labs' | 'packets' | null>('log');
  const count = useEditor((s) => s.log.length);
  // "capture all" in a namespace's inspector asks for the capture panel.
  const showPackets = useCapture((s) => s.showRequest);
  useEffect(() => { if (showPackets) setTab('packets'); }, [showPackets]);
  const capturing = useCapture((s) => s.capture?.state === 'running');
  const why = useWhyNotEditable();
  return (
    <section className={`editor-dock${tab ? '' : ' collapsed'}${tab === 'packets' ? ' tall' : ''}`} data-testid="editor-dock">
      <div className="dock-tabs">
        <button data-testid="tab-log" className={tab === 'log' ? 'active' : ''} onClick={() => setTab(tab === 'log' ? null : 'log')}>commands{count ? ` (${count})` : ''}</button>
        <button data-testid="tab-labs" className={tab === 'labs' ? 'active' : ''} onClick={() => setTab(tab === 'labs' ? null : 'labs')}>labs</button>
        <button data-testid="tab-packets" className={tab === 'packets' ? 'active' : ''} onClick={() => setTab(tab === 'packets' ? null : 'packets')}>packets{capturing ? ' ●' : ''}</button>
        {why && <span className="dock-why" data-testid="editing-disabled" title={why}>editing is off: {why}</span>}
      </div>
      {/* both stay mounted (an open lab file survives a look at the log); the other is hidden */}
      <div className="dock-pane" hidden={tab !== 'log'}><CommandLog /></div>
      <div className="dock-pane" hidden={tab !== 'labs'}><LabPanel /></div>
      <div className="dock-pane" hidden={tab !== 'packets'}><CapturePanel /></div>
    </section>
  );
}
