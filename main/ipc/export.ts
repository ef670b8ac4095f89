// IPC for export: the user picks the folder; masks come from the autosaved session; nothing is replaced unasked.
import { chooseDestinationRequest, exportChannels, exportRequest } from '../contracts';
import { handle, IpcError, type HandlerTable } from './handler';
import type { IpcDeps } from './deps';

export function exportHandlers({ dialogs, library, store, capabilities }: IpcDeps): HandlerTable {
  return {
    [exportChannels.chooseDestination]: handle(chooseDestinationRequest, async ({ suggestedName }) => {
      const folder = await dialogs.chooseExportFolder(suggestedName);
      if (folder) capabilities?.grantDestination(folder);
      return folder;
    }),
    [exportChannels.run]: handle(exportRequest, async ({ studyKey, format, destination, itemIds, overwrite, segments }) => {
      capabilities?.checkDestination(destination);
      await store.flush();
      // Series are written whole (SEG/NIfTI describe a volume; PNG names follow the slices): empty where unmasked.
      const ids = [...new Set(itemIds.flatMap((id) => library.seriesOf(studyKey, id)))];
      const { statuses, edited: everEdited } = await store.load(studyKey);
      const items = [];
      for (const itemId of ids) {
        const source = library.source(studyKey, itemId);
        // A person changed this mask: SEG records it as SEMIAUTOMATIC rather than S3-Net's AUTOMATIC.
        const edited = statuses[itemId] === 'corrected' || everEdited.includes(itemId);
        const saved = await store.readMask(studyKey, itemId);
        if (saved) items.push({ source, mask: saved.mask, width: saved.width, height: saved.height, edited });
        else {
          const data = await library.item(studyKey, itemId);
          items.push({ source, mask: new Uint8Array(data.width * data.height), width: data.width, height: data.height, edited });
        }
      }
      if (items.length === 0) throw new IpcError('invalid', 'nothing to export');
      return { files: await library.provider.exportMasks(format, items, destination, overwrite, segments) };
    }),
  };
}
