// IPC for the session: load a study's saved state, read and autosave masks, review statuses and the view.
import { loadRequest, maskRequest, saveMaskRequest, sessionChannels, setSegmentsRequest, setStatusRequest, setViewRequest } from '../contracts';
import { handle, type HandlerTable } from './handler';
import type { IpcDeps } from './deps';

export function sessionHandlers({ store, library }: IpcDeps): HandlerTable {
  // Writes only for studies open now, and only for their own items: a renderer cannot fill the disk with made-up keys.
  const openItem = (studyKey: string, itemId?: string): void => {
    library.index(studyKey);
    if (itemId !== undefined) library.source(studyKey, itemId);
  };
  return {
    [sessionChannels.load]: handle(loadRequest, ({ studyKey }) => store.load(studyKey)),
    [sessionChannels.mask]: handle(maskRequest, ({ studyKey, itemId }) => store.readMask(studyKey, itemId)),
    [sessionChannels.saveMask]: handle(saveMaskRequest, async (r) => {
      openItem(r.studyKey, r.itemId);
      await store.saveMask(r.studyKey, r.itemId, r.width, r.height, r.mask);
      return null;
    }),
    [sessionChannels.setStatus]: handle(setStatusRequest, async (r) => {
      openItem(r.studyKey, r.itemId);
      await store.setStatus(r.studyKey, r.itemId, r.status);
      return null;
    }),
    [sessionChannels.setView]: handle(setViewRequest, async (r) => {
      openItem(r.studyKey);
      await store.setView(r.studyKey, r.view);
      return null;
    }),
    [sessionChannels.setSegments]: handle(setSegmentsRequest, async (r) => {
      openItem(r.studyKey);
      await store.setSegments(r.studyKey, r.segments);
      return null;
    }),
  };
}
