// IPC for study browsing: open (paths or dialog), recent list, one item's pixels, thumbnails.
import { chooseStudyRequest, itemRequest, openStudyRequest, studyChannels, thumbnailRequest, type StudyIndex } from '../contracts';
import { z } from 'zod';
import { handle, type HandlerTable } from './handler';
import type { IpcDeps } from './deps';

export function studyHandlers({ library, store, dialogs, capabilities }: IpcDeps): HandlerTable {
  const open = async (paths: string[]): Promise<StudyIndex> => {
    capabilities?.checkOpen(paths);
    const index = await library.open(paths);
    await store.addRecent(index.title, paths);
    return index;
  };
  return {
    [studyChannels.open]: handle(openStudyRequest, ({ paths }) => open(paths)),
    [studyChannels.choose]: handle(chooseStudyRequest, async ({ kind }) => {
      const paths = await dialogs.chooseOpen(kind);
      if (paths) capabilities?.grantOpen(paths, 'dialog');
      return paths && paths.length > 0 ? open(paths) : null;
    }),
    [studyChannels.recent]: handle(z.undefined().or(z.null()), async () => {
      const recent = await store.recent();
      // main's own list: reopening an entry from it is allowed.
      for (const r of recent) capabilities?.grantOpen(r.paths, 'recent');
      return recent;
    }),
    [studyChannels.item]: handle(itemRequest, ({ studyKey, itemId, prefetch }) => library.item(studyKey, itemId, prefetch ? 'low' : 'high')),
    [studyChannels.thumbnail]: handle(thumbnailRequest, ({ studyKey, itemId, size }) => library.thumbnail(studyKey, itemId, size)),
  };
}
