// Public API of the mask services: the model, and import/export as DICOM SEG, NIfTI-1 and PNG.
export * from './model.js';
export { buildSeg, rgbToDicomLab, SEG_SOP_CLASS_UID, type SegExportOptions } from './seg-export.js';
export { importSeg, dicomLabToRgb } from './seg-import.js';
export { encodeNifti, decodeNifti, niftiToSeriesMasks, seriesAffineRAS, NiftiError, type NiftiVolume } from './nifti.js';
export { encodeMaskPng, decodeMaskPng, isicMaskName, sliceMaskName, writePhotoMask, readPngMasksForSeries } from './png.js';
export { writeSeriesMasks, type MaskFormat, type WriteMasksOptions } from './write.js';
export { readMaskFile } from './read.js';
