// The one main window: sandboxed, isolated, no Node, strict CSP, no navigation, no new windows, no remote content.
import { BrowserWindow, session, shell } from 'electron';
import { join } from 'node:path';
import { CONTENT_SECURITY_POLICY } from './csp';
import { APP_SCHEME, RENDERER_URL, isAllowedExternal } from './trust';

export function createMainWindow(outDir: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1000,
    minHeight: 640,
    show: false,
    backgroundColor: '#14171c',
    title: 'S3 Annotate',
    webPreferences: {
      preload: join(outDir, 'preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      spellcheck: false,
      // Middle-click would open links as new windows without passing through the window-open handler's intent.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  // Served by the app:// protocol (main/app/index.ts), confined to out/renderer.
  const rendererUrl = RENDERER_URL;
  // Nothing but our own page, ever; the system browser only for the allow-list (empty: never).
  win.webContents.on('will-navigate', (e, url) => {
    if (url !== rendererUrl) e.preventDefault();
  });
  win.webContents.on('will-redirect', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  win.once('ready-to-show', () => win.show());
  void win.loadURL(rendererUrl);
  return win;
}

/** CSP on every response, blocks every request that is not a local file, and refuses every permission. */
export function hardenSession(): void {
  const s = session.defaultSession;
  s.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  s.webRequest.onBeforeRequest((details, callback) => {
    const local = details.url.startsWith(`${APP_SCHEME}://`) || details.url.startsWith('devtools://') || details.url.startsWith('data:');
    callback({ cancel: !local });
  });
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
}
