import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles/app.css';
import './styles/nodes.css';
import { App } from './App';
import { createEngineClient } from './transport/engine-client';
import { setClient } from './transport/current-client';
import { startSync } from './sync';

performance.mark('vnet:script-start');
const client = createEngineClient();
setClient(client);
startSync(client);

createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
