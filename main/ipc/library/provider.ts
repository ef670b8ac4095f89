// Chooses the file services behind the study library (the stopgap until the DICOM and image services are wired).
import type { StudyProvider } from './types';
import { createStopgapProvider } from './stopgap';

export function createProvider(): StudyProvider {
  return createStopgapProvider();
}
