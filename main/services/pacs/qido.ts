// QIDO-RS answers (DICOM JSON, PS3.18 F.2) checked with zod and read into the summaries the CLI and the app show.
import { z } from 'zod';

const attribute = z.object({ vr: z.string(), Value: z.array(z.unknown()).optional() }).passthrough();
export const dicomJsonSchema = z.record(z.string().regex(/^[0-9A-Fa-f]{8}$/), attribute);
export const dicomJsonListSchema = z.array(dicomJsonSchema);
export type DicomJson = z.infer<typeof dicomJsonSchema>;

function values(ds: DicomJson, tag: string): unknown[] {
  return (ds[tag] ?? ds[tag.toLowerCase()])?.Value ?? [];
}

/** A string attribute (PN as its Alphabetic form); '' when absent. */
export function text(ds: DicomJson, tag: string): string {
  const v = values(ds, tag)[0];
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return String((v as { Alphabetic?: unknown }).Alphabetic ?? '');
  return String(v);
}

export function texts(ds: DicomJson, tag: string): string[] {
  return values(ds, tag).map((v) => (typeof v === 'object' && v ? String((v as { Alphabetic?: unknown }).Alphabetic ?? '') : String(v)));
}

export function integer(ds: DicomJson, tag: string): number | undefined {
  const n = Number(values(ds, tag)[0]);
  return values(ds, tag).length && Number.isFinite(n) ? n : undefined;
}

export interface StudySummary {
  readonly studyInstanceUID: string;
  readonly patientName: string;
  readonly patientId: string;
  readonly studyDate: string;
  readonly accessionNumber: string;
  readonly description: string;
  readonly modalities: string[];
  readonly seriesCount: number | undefined;
}

export interface SeriesSummary {
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly modality: string;
  readonly description: string;
  readonly seriesNumber: number | undefined;
  readonly instanceCount: number | undefined;
  readonly patientId: string;
  readonly studyDate: string;
}

export interface InstanceSummary {
  readonly sopInstanceUID: string;
  readonly sopClassUID: string;
  readonly instanceNumber: number | undefined;
}

export function studySummary(ds: DicomJson): StudySummary {
  return {
    studyInstanceUID: text(ds, '0020000D'),
    patientName: text(ds, '00100010'),
    patientId: text(ds, '00100020'),
    studyDate: text(ds, '00080020'),
    accessionNumber: text(ds, '00080050'),
    description: text(ds, '00081030'),
    modalities: texts(ds, '00080061'),
    seriesCount: integer(ds, '00201206'),
  };
}

export function seriesSummary(ds: DicomJson, studyInstanceUID?: string): SeriesSummary {
  return {
    studyInstanceUID: text(ds, '0020000D') || (studyInstanceUID ?? ''),
    seriesInstanceUID: text(ds, '0020000E'),
    modality: text(ds, '00080060'),
    description: text(ds, '0008103E'),
    seriesNumber: integer(ds, '00200011'),
    instanceCount: integer(ds, '00201209'),
    patientId: text(ds, '00100020'),
    studyDate: text(ds, '00080020'),
  };
}

export function instanceSummary(ds: DicomJson): InstanceSummary {
  return { sopInstanceUID: text(ds, '00080018'), sopClassUID: text(ds, '00080016'), instanceNumber: integer(ds, '00200013') };
}

export interface SearchQuery {
  /** Patient name; DICOM wildcards (* ?) allowed. */
  readonly patientName?: string;
  readonly patientId?: string;
  /** Study date range, YYYY-MM-DD or YYYYMMDD, either end open. */
  readonly since?: string;
  readonly until?: string;
  readonly modality?: string;
  readonly accessionNumber?: string;
  readonly studyInstanceUID?: string;
  readonly limit?: number;
}

const DATE = /^(\d{4})-?(\d{2})-?(\d{2})$/;

/** YYYY-MM-DD or YYYYMMDD as DICOM DA; throws on anything else. */
export function dicomDate(s: string, what: string): string {
  const m = DATE.exec(s.trim());
  const d = m ? new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`) : undefined;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== `${m[1]}-${m[2]}-${m[3]}`) {
    throw new RangeError(`${what} must be a date YYYY-MM-DD, got "${s}"`);
  }
  return `${m[1]}${m[2]}${m[3]}`;
}

/** Query parameters for a QIDO search at the study or series level. */
export function queryParams(q: SearchQuery, level: 'studies' | 'series'): URLSearchParams {
  const p = new URLSearchParams();
  if (q.patientName) p.set('PatientName', q.patientName);
  if (q.patientId) p.set('PatientID', q.patientId);
  if (q.accessionNumber) p.set('AccessionNumber', q.accessionNumber);
  if (q.studyInstanceUID) p.set('StudyInstanceUID', q.studyInstanceUID);
  if (q.since || q.until) p.set('StudyDate', `${q.since ? dicomDate(q.since, 'since') : ''}-${q.until ? dicomDate(q.until, 'until') : ''}`);
  if (q.modality) p.set(level === 'studies' ? 'ModalitiesInStudy' : 'Modality', q.modality);
  if (q.limit) p.set('limit', String(q.limit));
  const fields = level === 'studies' ? ['00081030', '00080061', '00201206', '00100010'] : ['0008103E', '00201209', '00100020', '00080020', '0020000D'];
  for (const f of fields) p.append('includefield', f);
  return p;
}
