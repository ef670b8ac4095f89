// IPC for study browsing: open (paths or dialog), recent list, one item's pixels, thumbnails.
import { chooseStudyRequest, itemRequest, openStudyRequest, studyChannels, thumbnailRequest, type StudyIndex } from '../contracts';
import { z } from 'zod';
import { handle, type HandlerTable } from './handler';
import type { IpcDeps } from './deps';

export function studyHandlers({ library, store, dialogs }: IpcDeps): HandlerTable {
  const open = async (paths: string[]): Promise<StudyIndex> => {
    const index = await library.open(paths);
    await store.addRecent(index.title, paths);
    return index;
  };
  return {
    [studyChannels.open]: handle(openStudyRequest, ({ paths }) => open(paths)),
    [studyChannels.choose]: handle(chooseStudyRequest, async ({ kind }) => {
      const paths = await dialogs.chooseOpen(kind);
      return paths && paths.length > 0 ? open(paths) : null;
    }),
    [studyChannels.recent]: handle(z.undefined().or(z.null()), () => store.recent()),
    [studyChannels.item]: handle(itemRequest, ({ studyKey, itemId, prefetch }) => library.item(studyKey, itemId, prefetch ? 'low' : 'high')),
    [studyChannels.thumbnail]: handle(thumbnailRequest, ({ studyKey, itemId, size }) => library.thumbnail(studyKey, itemId, size)),
  };
}
