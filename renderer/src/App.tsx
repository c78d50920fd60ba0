import { useEffect } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { FlowCanvas } from './canvas/FlowCanvas';
import { Toolbar } from './panels/Toolbar';
import { Inspector } from './panels/Inspector';
import { StatusBar } from './panels/StatusBar';
import { useUi } from './store';
import { Palette } from './editor/Palette';
import { EditorDock } from './editor/EditorDock';
import { EditorDialogs } from './editor/Dialogs';
import './editor/editor.css';

/** Exposed for benchmarks and curious people: when the first ELK layout finished, in ms. */
declare global { interface Window { __vnetLayoutMs?: number[] } }
const onLayoutDone = (ms: number) => { (window.__vnetLayoutMs ??= []).push(ms); };

export function App() {
  const theme = useUi((s) => s.theme);
  useEffect(() => { document.documentElement.dataset.theme = theme; }, [theme]);
  return (
    <ReactFlowProvider>
      <div className={`app theme-${theme}`} data-testid="app">
        <Toolbar />
        <main className="main">
          <Palette />
          <FlowCanvas onLayoutDone={onLayoutDone} />
          <Inspector />
        </main>
        <EditorDock />
        <StatusBar />
        <EditorDialogs />
      </div>
    </ReactFlowProvider>
  );
}
