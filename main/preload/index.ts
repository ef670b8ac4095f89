// Electron preload: exposes window.api (named functions only) over ipcRenderer; nothing generic reaches the page.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { buildApi } from './api';
import type { Result } from '../contracts/result';

const api = buildApi({
  invoke: (channel, payload) => ipcRenderer.invoke(channel, payload) as Promise<Result<unknown>>,
  on: (channel, listener) => {
    const wrapped = (_e: unknown, payload: unknown): void => listener(payload);
    ipcRenderer.on(channel, wrapped);
    return () => void ipcRenderer.removeListener(channel, wrapped);
  },
  pathForFile: (file) => webUtils.getPathForFile(file) || null,
});

contextBridge.exposeInMainWorld('api', api);
