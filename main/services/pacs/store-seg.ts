// Sends a SEG to the archive once: QIDO first (already present?), then STOW-RS; a refusal says where the SEG is kept.
import { readFile } from 'node:fs/promises';
import { parseDicomBytes } from '../dicom/parse.js';
import { str } from '../dicom/metadata.js';
import type { DicomWebClient, StoreOutcome } from './client.js';
import { PacsError } from './errors.js';

export interface SegOnDisk {
  readonly path: string;
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly sopInstanceUID: string;
  /** The series the SEG segments. */
  readonly referencedSeriesInstanceUID: string;
}

/** Reads the UIDs a SEG file carries (and checks it is one). */
export async function readSegFile(path: string): Promise<SegOnDisk> {
  const bytes = await readFile(path);
  const { dataSet } = parseDicomBytes(bytes, path, { metadataOnly: true });
  if (str(dataSet, 'x00080060') !== 'SEG') throw new Error(`${path}: not a DICOM SEG (Modality ${str(dataSet, 'x00080060') || 'missing'})`);
  const ref = dataSet.elements.x00081115?.items?.[0]?.dataSet;
  return {
    path,
    studyInstanceUID: str(dataSet, 'x0020000d'),
    seriesInstanceUID: str(dataSet, 'x0020000e'),
    sopInstanceUID: str(dataSet, 'x00080018'),
    referencedSeriesInstanceUID: ref ? str(ref, 'x0020000e') : '',
  };
}

export type PushOutcome = StoreOutcome & { readonly path: string; readonly server: string };

/**
 * Stores the SEG at `path` unless the archive already has its SOP instance. Never throws for a refusal: the outcome
 * says so, with the server's reason and the local path where the SEG stays.
 */
export async function pushSeg(client: DicomWebClient, path: string): Promise<PushOutcome> {
  const seg = await readSegFile(path);
  const where = { path, server: client.server };
  if (await client.hasInstance(seg.studyInstanceUID, seg.seriesInstanceUID, seg.sopInstanceUID)) {
    return { status: 'already-present', sopInstanceUID: seg.sopInstanceUID, ...where };
  }
  const [outcome] = await client.store([await readFile(path)], [seg.sopInstanceUID], seg.referencedSeriesInstanceUID);
  if (!outcome) throw new PacsError('malformed', client.server, 'store: no outcome', seg.referencedSeriesInstanceUID);
  return { ...outcome, ...where };
}

export function describePush(o: PushOutcome): string {
  if (o.status === 'stored') return `stored SEG ${o.sopInstanceUID} on ${o.server}`;
  if (o.status === 'already-present') return `SEG ${o.sopInstanceUID} already present on ${o.server}, not sent again`;
  return `${o.server} refused SEG ${o.sopInstanceUID}: ${o.reason}; the SEG is kept at ${o.path}`;
}
