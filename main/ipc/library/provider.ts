// The file services behind the study library: the DICOM services for series, the photo loader for photographs.
import type { StudyProvider } from './types';
import { createDicomProvider } from './dicom';

export function createProvider(): StudyProvider {
  return createDicomProvider();
}
