// IPC for export: the user picks the folder; exactly the reviewed items the scope names go out; nothing is replaced unasked.
import { chooseDestinationRequest, exportChannels, exportRequest, exportSelection } from '../contracts';
import type { z } from 'zod';
import { planExport, type PlannedExport } from '../services/masks/export-plan';
import { handle, IpcError, type HandlerTable } from './handler';
import type { IpcDeps } from './deps';

export function exportHandlers({ dialogs, library, store, capabilities }: IpcDeps): HandlerTable {
  /** The one rule for what goes out, shared by the dialog's sentence and the writer (so they cannot disagree). */
  const plan = async (sel: z.output<typeof exportSelection>): Promise<PlannedExport> => {
    await store.flush();
    for (const id of sel.itemIds) library.source(sel.studyKey, id); // only items of this study, by id
    const state = await store.load(sel.studyKey);
    const masks = new Set(state.masks);
    return planExport(sel.itemIds, state.statuses, (id) => masks.has(id), sel);
  };

  return {
    [exportChannels.chooseDestination]: handle(chooseDestinationRequest, async ({ suggestedName }) => {
      const folder = await dialogs.chooseExportFolder(suggestedName);
      if (folder) capabilities?.grantDestination(folder);
      return folder;
    }),
    [exportChannels.plan]: handle(exportSelection, async (sel) => (await plan(sel)).plan),
    [exportChannels.run]: handle(exportRequest, async (r) => {
      // Only a folder main's own dialog returned: a compromised renderer cannot name one.
      capabilities?.checkDestination(r.destination);
      const planned = await plan(r);
      if (planned.items.length === 0) throw new IpcError('invalid', `nothing to export: ${planned.plan.summary}`);
      const state = await store.load(r.studyKey);
      const items = [];
      for (const { itemId, write } of planned.items) {
        const source = library.source(r.studyKey, itemId);
        // A person changed this mask: SEG records it as SEMIAUTOMATIC rather than S3-Net's AUTOMATIC.
        const edited = write === 'mask' && (state.statuses[itemId] === 'corrected' || state.edited.includes(itemId));
        const saved = write === 'mask' ? await store.readMask(r.studyKey, itemId) : null;
        if (saved) items.push({ source, mask: saved.mask, width: saved.width, height: saved.height, edited });
        else {
          const data = await library.item(r.studyKey, itemId);
          items.push({ source, mask: new Uint8Array(data.width * data.height), width: data.width, height: data.height, edited });
        }
      }
      const reviewer = latestReviewer(planned.items.map((i) => state.decisions[i.itemId]));
      const files = await library.provider.exportMasks(r.format, items, r.destination, r.overwrite, r.segments, reviewer);
      return { files, plan: planned.plan };
    }),
  };
}

/** SEG has one ContentCreatorName: the reviewer of the latest decision among the exported items. */
function latestReviewer(decisions: ReadonlyArray<{ reviewer: string; at: string } | undefined>): string | undefined {
  let best: { reviewer: string; at: string } | undefined;
  for (const d of decisions) if (d?.reviewer && (!best || d.at > best.at)) best = d;
  return best?.reviewer;
}
