// The system dialogs behind the IPC layer's Dialogs interface.
import { dialog, type BrowserWindow } from 'electron';
import type { Dialogs } from '../ipc';

export function electronDialogs(win: () => BrowserWindow | null): Dialogs {
  return {
    async chooseOpen(kind) {
      const w = win();
      const options: Electron.OpenDialogOptions = {
        title: kind === 'folder' ? 'Open a folder of DICOM files or photos' : 'Open DICOM files or photos',
        properties: kind === 'folder' ? ['openDirectory', 'multiSelections'] : ['openFile', 'multiSelections'],
        filters: kind === 'files' ? [{ name: 'DICOM and photos', extensions: ['dcm', 'dicom', 'ima', 'bmp', 'png', 'jpg', 'jpeg', '*'] }] : [],
      };
      const r = w ? await dialog.showOpenDialog(w, options) : await dialog.showOpenDialog(options);
      return r.canceled ? null : r.filePaths;
    },
    async chooseExportFolder(suggestedName) {
      const w = win();
      const options: Electron.OpenDialogOptions = { title: `Export masks of ${suggestedName} into…`, properties: ['openDirectory', 'createDirectory'] };
      const r = w ? await dialog.showOpenDialog(w, options) : await dialog.showOpenDialog(options);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
  };
}
