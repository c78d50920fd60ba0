// Where the Electron window's renderer comes from. The window loads the renderer build from a
// custom privileged scheme (vnet://app/…) served by the main process, rather than file://: a file://
// page's origin is opaque and every file on the disk is "same scheme", whereas vnet://app is one
// origin that serves only dist/renderer, with real response headers (the CSP among them). This is
// Electron's own security advice ("avoid file://, prefer a custom protocol").
export const APP_SCHEME = 'vnet';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;
