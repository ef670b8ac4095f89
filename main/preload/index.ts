// Electron preload: exposes window.api (named functions only) over ipcRenderer; nothing generic reaches the page.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { buildApi } from './api';
import type { Result } from '../contracts/result';
import { studyChannels } from '../contracts/channels';

const api = buildApi({
  invoke: (channel, payload) => ipcRenderer.invoke(channel, payload) as Promise<Result<unknown>>,
  on: (channel, listener) => {
    const wrapped = (_e: unknown, payload: unknown): void => listener(payload);
    ipcRenderer.on(channel, wrapped);
    return () => void ipcRenderer.removeListener(channel, wrapped);
  },
  pathForFile: (file) => {
    // Only a real dropped file has a path; main is told here, in the preload, so the page cannot invent one.
    const path = webUtils.getPathForFile(file) || null;
    if (path) void ipcRenderer.invoke(studyChannels.dropped, { paths: [path] });
    return path;
  },
});

contextBridge.exposeInMainWorld('api', api);
