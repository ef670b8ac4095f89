// The Electron shell without Electron (its binary is not installable here): window hardening, request blocking, menus.
import { describe, expect, it, vi } from 'vitest';

const created: Array<{ options: Record<string, unknown>; handlers: Map<string, (...a: unknown[]) => void>; openHandler?: (d: { url: string }) => unknown; url?: string }> = [];
const session = { headers: null as null | ((d: unknown, cb: (r: unknown) => void) => void), before: null as null | ((d: { url: string }, cb: (r: { cancel: boolean }) => void) => void), permission: null as null | ((...a: unknown[]) => void) };
interface MenuEntry {
  label?: string;
  accelerator?: string;
  submenu?: MenuEntry[];
}
let template: MenuEntry[] = [];

vi.mock('electron', () => {
  class BrowserWindow {
    webContents: Record<string, unknown>;
    constructor(options: Record<string, unknown>) {
      const entry: (typeof created)[number] = { options, handlers: new Map() };
      created.push(entry);
      this.webContents = {
        on: (event: string, fn: (...a: unknown[]) => void) => entry.handlers.set(event, fn),
        setWindowOpenHandler: (fn: (d: { url: string }) => unknown) => (entry.openHandler = fn),
        send: () => undefined,
      };
      Object.assign(this, { once: () => undefined, loadURL: async (url: string) => (entry.url = url), show: () => undefined });
    }
  }
  return {
    BrowserWindow,
    shell: { openExternal: vi.fn(async () => undefined) },
    session: {
      defaultSession: {
        webRequest: {
          onHeadersReceived: (fn: typeof session.headers) => (session.headers = fn),
          onBeforeRequest: (fn: typeof session.before) => (session.before = fn),
        },
        setPermissionRequestHandler: (fn: (...a: unknown[]) => void) => (session.permission = fn),
        setPermissionCheckHandler: () => undefined,
      },
    },
    Menu: { buildFromTemplate: (t: typeof template) => ((template = t), t), setApplicationMenu: () => undefined },
    app: { quit: () => undefined },
  };
});

describe('main window', () => {
  it('is sandboxed and isolated, loads only its own file and refuses navigation and new windows', async () => {
    const { createMainWindow } = await import('../../main/app/window');
    createMainWindow('/opt/s3/out');
    const w = created[0];
    const prefs = w?.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, preload: '/opt/s3/out/preload/index.cjs', disableBlinkFeatures: 'Auxclick' });
    expect(w?.url).toBe('app://renderer/index.html');
    const prevent = vi.fn();
    w?.handlers.get('will-navigate')?.({ preventDefault: prevent }, 'https://example.org/');
    expect(prevent).toHaveBeenCalled();
    expect(w?.openHandler?.({ url: 'https://example.org/' })).toEqual({ action: 'deny' });
    // window.open is no way out for stolen data: the system browser is not opened either.
    const { shell } = await import('electron');
    expect(shell.openExternal).not.toHaveBeenCalled();
  });

  it('blocks every non-local request, adds the CSP, refuses permissions', async () => {
    const { hardenSession } = await import('../../main/app/window');
    hardenSession();
    const verdict = (url: string): boolean => {
      let cancel = false;
      session.before?.({ url }, (r) => (cancel = r.cancel));
      return cancel;
    };
    expect(verdict('https://cdn.example.org/x.js')).toBe(true);
    expect(verdict('http://127.0.0.1:8080/')).toBe(true);
    expect(verdict('app://renderer/index.html')).toBe(false);
    // The renderer is served from app:// only: no file:// request is allowed at all.
    expect(verdict('file:///opt/s3/out/renderer/index.html')).toBe(true);
    let headers: Record<string, string[]> = {};
    session.headers?.({ responseHeaders: {} }, (r) => (headers = (r as { responseHeaders: Record<string, string[]> }).responseHeaders));
    expect(headers['Content-Security-Policy']?.[0]).toContain("script-src 'self'");
    let granted = true;
    session.permission?.(null, 'media', (ok: boolean) => (granted = ok));
    expect(granted).toBe(false);
  });

  it('has File menu items with the usual accelerators', async () => {
    const { buildMenu } = await import('../../main/app/menu');
    buildMenu(created[0] as never, [{ title: 'LIDC-IDRI-0001', paths: ['/data/LIDC-IDRI-0001'], openedAt: '2026-01-01T00:00:00Z' }]);
    const file = template.find((m) => m.label === 'File')?.submenu ?? [];
    const acc = Object.fromEntries(file.filter((i) => i.label).map((i) => [i.label, i.accelerator]));
    expect(acc).toMatchObject({ 'Open Folder…': 'CmdOrCtrl+O', 'Open Files…': 'CmdOrCtrl+Shift+O', 'Export…': 'CmdOrCtrl+E', Quit: 'CmdOrCtrl+Q' });
    expect(file.find((i) => i.label === 'Recent')?.submenu?.[0]?.label).toBe('LIDC-IDRI-0001');
  });
});
