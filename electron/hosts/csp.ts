// The renderer's Content-Security-Policy, one place for both hosts.
// Only our own files run: no inline or eval'd script, no plugins, no framing, no forms, no <base>.
// Inline *styles* are allowed because React Flow positions nodes with style attributes.

const common = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
];

/**
 * `web`: the browser talks to the web host over its own WebSocket ('self' covers ws:// on the same
 * host and port in current Chromium and Firefox).
 * `electron`: the window talks through the preload only, so no network at all.
 */
export function contentSecurityPolicy(kind: 'web' | 'electron'): string {
  return [...common, kind === 'web' ? "connect-src 'self'" : "connect-src 'none'"].join('; ');
}
