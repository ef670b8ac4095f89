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
  /** What the segment is: an id from the built-in terminology (session:terminology); SEG writes its codes. */
  term: z.string().min(1).max(40).optional(),
});
export type SegmentStyle = z.infer<typeof segmentStyle>;

/** One entry of the built-in segment terminology, as the segment panel's picker lists it. */
export interface TerminologyEntry {
  readonly id: string;
  readonly name: string;
  /** "Anatomical Structure" or "Morphologically Altered Structure". */
  readonly category: string;
  /** SNOMED CT code of the segmented property type. */
  readonly code: string;
  readonly color: string;
}

/** What happens to rejected items: a mask of zeros (the slice is covered, nothing found) or no output at all. */
export const rejectedPolicy = z.enum(['empty', 'omit']);
export type RejectedPolicy = z.infer<typeof rejectedPolicy>;

/** What the user asked to export, before any file is named: the items the scope names and what to do per status. */
export const exportSelection = z.object({
  studyKey: z.string().min(1).max(200),
  format: exportFormat,
  /** The items the chosen scope names (this item, this series, all accepted or corrected, everything). */
  itemIds: z.array(z.string().min(1).max(400)).min(1).max(5000),
  rejected: rejectedPolicy.default('empty'),
  /** S3-Net proposals nobody has reviewed go out only when the user says so. */
  includeUnreviewed: z.boolean().default(false),
});
export type ExportSelection = z.input<typeof exportSelection>;

export const exportRequest = exportSelection.extend({
  /** The folder to write into (chosen by the user); file names come from the sources. */
  destination: z.string().min(1).max(4096),
  overwrite: z.boolean(),
  segments: z.array(segmentStyle).max(255).optional(),
});
export type ExportRequest = z.input<typeof exportRequest>;

/** What an export will write, item by item, counted per status: the dialog shows it before anything is written. */
export const exportPlan = z.object({
  accepted: z.number().int(),
  corrected: z.number().int(),
  /** Proposals nobody reviewed: written when includeUnreviewed, else left out. */
  unreviewed: z.number().int(),
  unreviewedIncluded: z.boolean(),
  rejected: z.number().int(),
  rejectedPolicy,
  /** Items S3-Net never ran on and nobody drew on: nothing to write. */
  notRun: z.number().int(),
  /** Items that will be written (with their mask, or empty for rejected ones). */
  written: z.number().int(),
  /** One sentence: "7 accepted, 1 corrected, 8 unreviewed left out, 1 rejected written empty". */
  summary: z.string(),
});
export type ExportPlan = z.infer<typeof exportPlan>;

export const exportDone = z.object({ files: z.array(z.string()), plan: exportPlan });
export type ExportDone = z.infer<typeof exportDone>;
