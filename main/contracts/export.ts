// Export of reviewed masks: the user picks format and destination; an existing file is replaced only when asked.
import { z } from 'zod';

export { exportChannels } from './channels';

export const exportFormat = z.enum(['seg', 'nifti', 'png']);
export type ExportFormat = z.infer<typeof exportFormat>;

export const chooseDestinationRequest = z.object({ format: exportFormat, suggestedName: z.string().min(1).max(255) });

/** How the user named and coloured each label value; written into DICOM SEG segment descriptions. */
export const segmentStyle = z.object({
  value: z.number().int().min(1).max(255),
  label: z.string().min(1).max(64),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/),
});
export type SegmentStyle = z.infer<typeof segmentStyle>;

export const exportRequest = z.object({
  studyKey: z.string().min(1).max(200),
  format: exportFormat,
  /** The folder to write into (chosen by the user); file names come from the sources. */
  destination: z.string().min(1).max(4096),
  /** Items to export; for SEG/NIfTI the series of these items. */
  itemIds: z.array(z.string().min(1).max(400)).min(1).max(5000),
  overwrite: z.boolean(),
  segments: z.array(segmentStyle).max(255).optional(),
});
export const exportDone = z.object({ files: z.array(z.string()) });
export type ExportDone = z.infer<typeof exportDone>;
