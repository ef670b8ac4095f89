// Post-processing of S3-Net label maps: target choice without ground truth, click-to-pick, native-resolution masks.
export * from './components';
export * from './confidence';
export * from './lesion';
export * from './lung';
export * from './target';
