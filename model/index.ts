// The S3-Net engine's public surface: configuration, per-image training, the worker runner, post-processing.
export * from './types';
export * from './config';
