// The per-study session: review statuses, autosaved masks and the last view, restored on reopen.
import { z } from 'zod';
import { u8 } from './result';
import { segmentStyle } from './export';
import { confidence } from './segment';

export { sessionChannels } from './channels';

export const reviewStatuses = ['not-run', 'proposed', 'accepted', 'corrected', 'rejected'] as const;
export const reviewStatus = z.enum(reviewStatuses);
export type ReviewStatus = z.infer<typeof reviewStatus>;

const key = z.string().min(1).max(200);
const itemId = z.string().min(1).max(400);

export const viewState = z.object({
  itemId: itemId.nullable(),
  seriesUid: z.string().max(200).nullable(),
  windowCenter: z.number().nullable(),
  windowWidth: z.number().nullable(),
});
export type ViewState = z.infer<typeof viewState>;

export const sessionState = z.object({
  studyKey: z.string(),
  statuses: z.record(z.string(), reviewStatus),
  /**
   * S3-Net's confidence in each item's latest proposal; an item missing here (or saved before this existed) is unknown.
   * A damaged record is dropped rather than failing the whole session, since it only orders the queue.
   */
  confidences: z.record(z.string(), confidence).default({}).catch({}),
  /** Items with a saved mask (fetch each with session:mask). */
  masks: z.array(z.string()),
  /** Items a person has changed since S3-Net proposed them (kept after accepting, for SEG's algorithm type). */
  edited: z.array(z.string()).default([]),
  view: viewState,
  /** Who made each item's latest review decision, and when (sessions saved before this have none). */
  decisions: z.record(z.string(), z.object({ status: reviewStatus, reviewer: z.string().max(64), at: z.string() })).default({}).catch({}),
  /** The segments' names and colours as the user set them. */
  segments: z.array(segmentStyle).default([]),
  updatedAt: z.string(),
});
export type SessionState = z.infer<typeof sessionState>;

export const loadRequest = z.object({ studyKey: key });
export const maskRequest = z.object({ studyKey: key, itemId });
export const savedMask = z.object({ width: z.number().int().positive(), height: z.number().int().positive(), mask: u8 });
export type SavedMask = z.infer<typeof savedMask>;
export const saveMaskRequest = z
  .object({ studyKey: key, itemId, width: z.number().int().min(1).max(8192), height: z.number().int().min(1).max(8192), mask: u8 })
  .refine((r) => r.mask.length === r.width * r.height, { message: 'mask length must be width × height' });
/** acceptEmpty: the user confirmed accepting an item with no mask (never run, or everything erased). */
export const setStatusRequest = z.object({ studyKey: key, itemId, status: reviewStatus, acceptEmpty: z.boolean().optional() });

/** The app's preferences, set once: the reviewer's name goes with every decision and into SEG's ContentCreatorName. */
export const preferences = z.object({ reviewerName: z.string().max(64).default('') });
export type Preferences = z.infer<typeof preferences>;
export const setPreferencesRequest = z.object({ reviewerName: z.string().trim().max(64) });
export const setViewRequest = z.object({ studyKey: key, view: viewState });
export const setSegmentsRequest = z.object({ studyKey: key, segments: z.array(segmentStyle).min(1).max(255) });
