// The S3-Net engine's public surface: configuration, per-image training, the worker runner, backends.
export * from './types';
export * from './config';
export { trainImage, TrainingAbortedError, validateImage, type TrainOptions, type TrainOutcome } from './trainer';
export { createSegmentationRunner, type SegmentationRunner, type RunnerOptions, type SegmentOptions, type RunnerResult } from './runner';
export { chooseBackend, describeBackends, useBackend, type BackendReport, type BackendAvailability, type BackendChoiceReport } from './backend';
