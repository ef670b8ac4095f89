// Electron main: one hardened window, menus, and the IPC handlers over the same services the test host uses.
import { app, ipcMain, safeStorage, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createIpc } from '../ipc';
import { SessionStore } from '../services/session/store';
import { keychainSecretStore } from '../services/pacs/auth';
import { StudyLibrary } from '../ipc/library/library';
import { createProvider } from '../ipc/library/provider';
import { createDecodePool } from '../ipc/library/decode-pool';
import { createAppSegmenter } from './segmenter';
import { createMainWindow, hardenSession } from './window';
import { buildMenu } from './menu';
import { electronDialogs } from './dialogs';
import { studyChannels } from '../contracts';
import { installedBackends } from '../../model/installed';

const outDir = join(import.meta.dirname, '..');
let win: BrowserWindow | null = null;

app.enableSandbox();
if (!app.requestSingleInstanceLock()) app.quit();

app.whenReady().then(async () => {
  // Which shell and S3-Net backends this installation has, and why not (the CLI's `s3-annotate backends` says more).
  console.log(`[s3-annotate] Electron ${process.versions.electron}, Chromium ${process.versions.chrome}; S3-Net backends: ${installedBackends()}`);
  hardenSession();
  const store = new SessionStore(join(app.getPath('userData'), 'sessions'));
  const segmenter = createAppSegmenter(join(import.meta.dirname, 'worker.js'));
  // Decoding (JPEG 2000 series, photos) runs in worker threads so that the main loop stays free for the UI's IPC.
  const decoder = createDecodePool(pathToFileURL(join(import.meta.dirname, 'decode-worker.js')));
  const ipc = createIpc({
    library: new StudyLibrary(createProvider(decoder.decode)),
    store,
    dialogs: electronDialogs(() => win),
    events: { send: (channel, payload) => win?.webContents.send(channel, payload) },
    segmenter: segmenter.get,
    // PACS secrets are encrypted by the OS keychain (safeStorage); without one they stay in memory for this run only.
    pacs: {
      cacheRoot: join(app.getPath('userData'), 'pacs-cache'),
      outbox: join(app.getPath('userData'), 'pacs-outbox'),
      secrets: keychainSecretStore(join(app.getPath('userData'), 'pacs-secrets.json'), safeStorage),
    },
  });
  for (const [channel, handler] of Object.entries(ipc.handlers)) {
    ipcMain.handle(channel, async (event, payload: unknown) => {
      // Only our own page, in our own window, may call main.
      if (!win || event.sender !== win.webContents || !event.senderFrame?.url.startsWith('file://')) return { ok: false, error: { code: 'invalid', message: 'unknown sender' } };
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
