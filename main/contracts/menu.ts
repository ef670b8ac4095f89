// Menu commands sent from the main process's menu to the renderer, which owns the UI that acts on them.
import { z } from 'zod';

export { menuChannels } from './channels';
export const menuCommand = z.object({
  command: z.enum(['open-folder', 'open-files', 'open-recent', 'export', 'help']),
  paths: z.array(z.string()).optional(),
});
export type MenuCommand = z.infer<typeof menuCommand>;
