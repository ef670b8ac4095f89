// Study browsing: open folders/files, list patients/studies/series and photos, load one slice or photo for display.
import { z } from 'zod';
import { i16, u8 } from './result';

export { studyChannels } from './channels';

export const openStudyRequest = z.object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(10_000) });
export const chooseStudyRequest = z.object({ kind: z.enum(['folder', 'files']) });
export const itemRequest = z.object({
  studyKey: z.string().min(1).max(200),
  itemId: z.string().min(1).max(400),
  /** Loaded ahead of need (neighbouring slices): waits behind what is on screen. */
  prefetch: z.boolean().optional(),
});
export const thumbnailRequest = itemRequest.omit({ prefetch: true }).extend({ size: z.number().int().min(16).max(256) });

export const windowPreset = z.object({ name: z.string(), center: z.number(), width: z.number().positive() });
export type WindowPreset = z.infer<typeof windowPreset>;

export const itemRef = z.object({
  itemId: z.string(),
  kind: z.enum(['slice', 'photo']),
  label: z.string(),
  /** Slice position along the series normal (mm); photos: null. */
  position: z.number().nullable(),
  /** ImagePositionPatient (mm, LPS) of a slice, where the header has one: the viewer orders and reformats by it. */
  patientPosition: z.tuple([z.number(), z.number(), z.number()]).optional(),
});
export type ItemRef = z.infer<typeof itemRef>;

export const seriesSummary = z.object({
  seriesUid: z.string(),
  description: z.string(),
  modality: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  items: z.array(itemRef),
  /** ImageOrientationPatient (row, then column direction cosines), where the header has one. */
  orientation: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]).optional(),
});
export type SeriesSummary = z.infer<typeof seriesSummary>;

export const studySummary = z.object({
  studyUid: z.string(),
  description: z.string(),
  date: z.string(),
  series: z.array(seriesSummary),
});
export const patientSummary = z.object({ patientId: z.string(), name: z.string(), studies: z.array(studySummary) });
export type PatientSummary = z.infer<typeof patientSummary>;

export const studyIndex = z.object({
  /** Stable key of what was opened (hash of the real paths): the session store is keyed by it. */
  studyKey: z.string(),
  title: z.string(),
  patients: z.array(patientSummary),
  photos: z.array(itemRef.extend({ width: z.number().int(), height: z.number().int() })),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export type StudyIndex = z.infer<typeof studyIndex>;

/** One displayable item. Slices carry Hounsfield units; photos carry RGBA bytes. */
export const itemData = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('slice'),
    itemId: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    hu: i16,
    spacing: z.tuple([z.number(), z.number()]),
    /** false where the header has no PixelSpacing (spacing is then a stand-in 1×1): no millimetres are shown. */
    spacingKnown: z.boolean().optional(),
    position: z.number().nullable(),
    presets: z.array(windowPreset),
  }),
  z.object({
    kind: z.literal('photo'),
    itemId: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    rgba: u8,
  }),
]);
export type ItemData = z.infer<typeof itemData>;

export const thumbnail = z.object({ width: z.number().int(), height: z.number().int(), rgba: u8 });
export type Thumbnail = z.infer<typeof thumbnail>;

export const recentEntry = z.object({ title: z.string(), paths: z.array(z.string()), openedAt: z.string() });
export type RecentEntry = z.infer<typeof recentEntry>;
