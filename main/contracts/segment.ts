// S3-Net runs: queue items for background segmentation, follow progress, cancel, and pick a cluster by clicking.
import { z } from 'zod';
import { u8 } from './result';

export { segmentChannels } from './channels';

/** The subset of the S3-Net config the app lets a caller change. */
export const runConfig = z
  .object({
    size: z.number().int().min(32).max(512).multipleOf(8),
    maxIterations: z.number().int().min(1).max(200),
    minIterations: z.number().int().min(0).max(200),
    mode: z.enum(['faithful', 'default']),
  })
  .partial();
export type RunConfig = z.infer<typeof runConfig>;

export const runRequest = z.object({
  studyKey: z.string().min(1).max(200),
  itemIds: z.array(z.string().min(1).max(400)).min(1).max(5000),
  config: runConfig.optional(),
});
export const runAccepted = z.object({ jobs: z.array(z.object({ jobId: z.string(), itemId: z.string() })) });
export type RunAccepted = z.infer<typeof runAccepted>;

export const cancelRequest = z.object({ jobIds: z.array(z.string().max(100)).max(5000).optional() });

export const pickRequest = z.object({
  studyKey: z.string().min(1).max(200),
  itemId: z.string().min(1).max(400),
  /** Native pixel coordinates of the click. */
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  what: z.enum(['cluster', 'component']),
});

export const jobState = z.enum(['queued', 'running', 'done', 'cancelled', 'failed']);
export type JobState = z.infer<typeof jobState>;

export const jobProgress = z.object({
  jobId: z.string(),
  itemId: z.string(),
  studyKey: z.string(),
  state: jobState,
  iteration: z.number().int(),
  maxIterations: z.number().int(),
  loss: z.number().nullable(),
  message: z.string().optional(),
});
export type JobProgress = z.infer<typeof jobProgress>;

/** 0..1: how far to trust a proposal without looking; the review queue shows the lowest first. */
export const confidence = z.number().min(0).max(1);

/** A finished proposal: the lesion/lung mask at native resolution (0/1). The label map stays in main for picking. */
export const jobResult = z.object({
  jobId: z.string(),
  itemId: z.string(),
  studyKey: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  mask: u8,
  clusters: z.number().int(),
  iterations: z.number().int(),
  seconds: z.number(),
  confidence,
});
export type JobResult = z.infer<typeof jobResult>;

export const pickedMask = z.object({ width: z.number().int(), height: z.number().int(), mask: u8 });
export type PickedMask = z.infer<typeof pickedMask>;

/** S3-Net's cluster ids of an item at its native size (0..63), for showing the map the Pick tool works on. */
export const labelsRequest = z.object({ studyKey: z.string().min(1).max(200), itemId: z.string().min(1).max(400) });
export const clusterMap = z.object({ width: z.number().int(), height: z.number().int(), labels: u8, clusters: z.number().int() });
export type ClusterMap = z.infer<typeof clusterMap>;
