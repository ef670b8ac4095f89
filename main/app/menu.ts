// The application menu: Open Folder…, Open Files…, Recent, Export…, Quit, with the usual accelerators.
import { Menu, app, type BrowserWindow } from 'electron';
import { menuChannels, type MenuCommand, type RecentEntry } from '../contracts';

export function buildMenu(win: BrowserWindow, recent: readonly RecentEntry[]): void {
  const send = (c: MenuCommand): void => win.webContents.send(menuChannels.command, c);
  const template: Electron.MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: () => send({ command: 'open-folder' }) },
        { label: 'Open Files…', accelerator: 'CmdOrCtrl+Shift+O', click: () => send({ command: 'open-files' }) },
        {
          label: 'Recent',
          submenu: recent.length
            ? recent.map((r) => ({ label: r.title, click: () => send({ command: 'open-recent', paths: [...r.paths] }) }))
            : [{ label: 'Nothing yet', enabled: false }],
        },
        { type: 'separator' },
        { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: () => send({ command: 'export' }) },
        { type: 'separator' },
        { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => app.quit() },
      ],
    },
    { label: 'Edit', submenu: [{ role: 'cut' }, { role: 'copy' }, { role: 'paste' }] },
    { label: 'View', submenu: [{ role: 'resetZoom' }, { role: 'togglefullscreen' }] },
    { label: 'Help', submenu: [{ label: 'Keyboard Shortcuts', accelerator: 'Shift+/', click: () => send({ command: 'help' }) }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
