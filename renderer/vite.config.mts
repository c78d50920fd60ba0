// Vite build of the renderer: root renderer/, output dist/renderer/, relative asset paths so the same
// build loads in the Electron window (vnet://app/) and from the web host under any path.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: path.resolve(here, '..', 'dist', 'renderer'),
    emptyOutDir: true,
    // One bundle plus the ELK worker file; no inline scripts (Electron's CSP forbids them).
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 3000,
    // Quiet the bundler's timing report (noise in `npm test` output).
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  worker: { format: 'es' },
});
