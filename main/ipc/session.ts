// IPC for the session: load a study's saved state, read and autosave masks, review statuses and the view.
import { loadRequest, maskRequest, saveMaskRequest, sessionChannels, setPreferencesRequest, setSegmentsRequest, setStatusRequest, setViewRequest } from '../contracts';
import { z } from 'zod';
import { EmptyAcceptError } from '../services/session/store';
import { TERMS } from '../services/masks/terminology';
import { handle, IpcError, type HandlerTable } from './handler';
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
      try {
        return await store.setStatus(r.studyKey, r.itemId, r.status, { acceptEmpty: r.acceptEmpty ?? false });
      } catch (err) {
        throw err instanceof EmptyAcceptError ? new IpcError('invalid', err.message) : err;
      }
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
    [sessionChannels.preferences]: handle(z.null(), () => store.preferences()),
    [sessionChannels.setPreferences]: handle(setPreferencesRequest, (p) => store.setPreferences(p)),
    [sessionChannels.terminology]: handle(z.null(), async () =>
      TERMS.map((t) => ({ id: t.id, name: t.name, category: t.category.meaning, code: t.type.value, color: `#${t.color.map((c) => c.toString(16).padStart(2, '0')).join('')}` })),
    ),
  };
}
