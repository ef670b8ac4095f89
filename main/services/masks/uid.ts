// New DICOM UIDs under the 2.25 root (PS3.5 B.2: a UUID written as one decimal integer), no registered root needed.
import { randomUUID } from 'node:crypto';

export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/** Fixed: identifies this software as the writer of a file (File Meta Implementation Class UID). */
export const IMPLEMENTATION_CLASS_UID = '2.25.160209711440346125378711553476012381317';
