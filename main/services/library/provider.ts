// The file services behind the study library: the DICOM services for series, the photo loader for photographs.
import type { StudyProvider } from './types';
import { createDicomProvider } from './dicom';
import type { Decode } from './decode';

export function createProvider(decode: Decode): StudyProvider {
  return createDicomProvider(decode);
}
