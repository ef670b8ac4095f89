// Electron main: one hardened window, menus, and the IPC handlers over the same services the test host uses.
import { app, ipcMain, protocol, safeStorage, type BrowserWindow } from 'electron';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { CapabilityRegistry } from '../services/capabilities';
import { CONTENT_SECURITY_POLICY } from './csp';
import { APP_SCHEME, contentType, isTrustedSender, resolveAppPath } from './trust';
import { createIpc } from '../ipc';
import { SessionStore } from '../services/session/store';
import { keychainSecretStore } from '../services/pacs/auth';
import { StudyLibrary } from '../services/library/library';
import { createProvider } from '../services/library/provider';
import { createDecodePool } from '../services/library/decode-pool';
import { createAppSegmenter } from './segmenter';
import { createMainWindow, hardenSession } from './window';
import { buildMenu } from './menu';
import { electronDialogs } from './dialogs';
import { sessionChannels, studyChannels } from '../contracts';
import { installedBackends } from '../../model/installed';

const outDir = join(import.meta.dirname, '..');
let win: BrowserWindow | null = null;

app.enableSandbox();
if (!app.requestSingleInstanceLock()) app.quit();
// Our page's origin: standard and secure so that 'self' in the CSP means app://renderer, nothing on disk beyond it.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

app.whenReady().then(async () => {
  // Which shell and S3-Net backends this installation has, and why not (the CLI's `s3-annotate backends` says more).
  console.log(`[s3-annotate] Electron ${process.versions.electron}, Chromium ${process.versions.chrome}; S3-Net backends: ${installedBackends()}`);
  hardenSession();
  const rendererRoot = join(outDir, 'renderer');
  // Read straight from disk (no file:// request exists at all, so the session can refuse every one).
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppPath(request.url, rendererRoot);
    if (!file) return new Response('not found', { status: 404 });
    try {
      return new Response(await readFile(file), { headers: { 'content-type': contentType(file), 'content-security-policy': CONTENT_SECURITY_POLICY } });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
  const store = new SessionStore(join(app.getPath('userData'), 'sessions'), {
    onNotice: (n) => win?.webContents.send(sessionChannels.notice, n),
  });
  // Temp files that a kill or a full disk left behind go before the first write.
  await store.sweep();
  const capabilities = new CapabilityRegistry();
  const segmenter = createAppSegmenter(join(import.meta.dirname, 'worker.js'));
  // Decoding (JPEG 2000 series, photos) runs in worker threads so that the main loop stays free for the UI's IPC.
  const decoder = createDecodePool(pathToFileURL(join(import.meta.dirname, 'decode-worker.js')));
  const ipc = createIpc({
    library: new StudyLibrary(createProvider(decoder.decode)),
    store,
    dialogs: electronDialogs(() => win),
    events: { send: (channel, payload) => win?.webContents.send(channel, payload) },
    segmenter: segmenter.get,
    capabilities,
    // PACS secrets are encrypted by the OS keychain (safeStorage); without one they stay in memory for this run only.
    pacs: {
      cacheRoot: join(app.getPath('userData'), 'pacs-cache'),
      outbox: join(app.getPath('userData'), 'pacs-outbox'),
      secrets: keychainSecretStore(join(app.getPath('userData'), 'pacs-secrets.json'), safeStorage),
    },
  });
  ipcMain.handle(studyChannels.dropped, (event, payload: unknown) => {
    if (!win || event.sender !== win.webContents || !isTrustedSender(event.senderFrame)) return false;
    const parsed = z.object({ paths: z.array(z.string().min(1).max(4096)).max(10_000) }).safeParse(payload);
    if (parsed.success) capabilities.grantOpen(parsed.data.paths, 'drop');
    return parsed.success;
  });
  for (const [channel, handler] of Object.entries(ipc.handlers)) {
    ipcMain.handle(channel, async (event, payload: unknown) => {
      // Only our own page, in our own window, may call main.
      if (!win || event.sender !== win.webContents || !isTrustedSender(event.senderFrame)) return { ok: false, error: { code: 'invalid', message: 'unknown sender' } };
      const result = await handler(payload);
      if (channel === studyChannels.open || channel === studyChannels.choose) buildMenu(win, await store.recent());
      return result;
    });
  }
  win = createMainWindow(outDir);
  buildMenu(win, await store.recent());
  win.on('closed', () => (win = null));
  app.on('before-quit', () => {
    void ipc.close().then(() => Promise.all([segmenter.close(), decoder.close()]));
  });
});

app.on('second-instance', () => win?.focus());
app.on('window-all-closed', () => app.quit());
