// The bottom dock: the command log and the lab panel as tabs; collapsible.
import { useState } from 'react';
import { CommandLog } from './CommandLog';
import { LabPanel } from './LabPanel';
import { useEditor } from './editor-store';
import { useWhyNotEditable } from './perform';

export function EditorDock() {
  const [tab, setTab] = useState<'log' | 'labs' | null>('log');
  const count = useEditor((s) => s.log.length);
  const why = useWhyNotEditable();
  return (
    <section className={`editor-dock${tab ? '' : ' collapsed'}`} data-testid="editor-dock">
      <div className="dock-tabs">
        <button data-testid="tab-log" className={tab === 'log' ? 'active' : ''} onClick={() => setTab(tab === 'log' ? null : 'log')}>commands{count ? ` (${count})` : ''}</button>
        <button data-testid="tab-labs" className={tab === 'labs' ? 'active' : ''} onClick={() => setTab(tab === 'labs' ? null : 'labs')}>labs</button>
        {why && <span className="dock-why" data-testid="editing-disabled" title={why}>editing is off: {why}</span>}
      </div>
      {/* both stay mounted (an open lab file survives a look at the log); the other is hidden */}
      <div className="dock-pane" hidden={tab !== 'log'}><CommandLog /></div>
      <div className="dock-pane" hidden={tab !== 'labs'}><LabPanel /></div>
    </section>
  );
}
