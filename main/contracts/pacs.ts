// PACS over DICOMweb in the app: server settings (secrets stay in main), search, retrieve with progress, send a SEG.
import { z } from 'zod';

export { pacsChannels } from './channels';

const uid = z.string().regex(/^[0-9.]{1,64}$/, 'a DICOM UID');
const date = z.string().regex(/^\d{4}-?\d{2}-?\d{2}$/, 'a date YYYY-MM-DD');

/** The password or token is handed to main once, kept in the keychain there, and never sent back. */
export const configureRequest = z.object({
  url: z.string().url().max(2048).refine((u) => /^https?:\/\//.test(u), 'http:// or https:// only'),
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('none') }),
    z.object({ kind: z.literal('basic'), user: z.string().min(1).max(256), password: z.string().max(1024) }),
    z.object({ kind: z.literal('bearer'), token: z.string().min(1).max(8192) }),
  ]),
});
export const configured = z.object({ serverId: z.string(), server: z.string(), persistent: z.boolean() });
export type Configured = z.infer<typeof configured>;

const serverId = z.string().min(1).max(64);

export const searchStudiesRequest = z.object({
  serverId,
  patientName: z.string().max(64).optional(),
  patientId: z.string().max(64).optional(),
  since: date.optional(),
  until: date.optional(),
  modality: z.string().regex(/^[A-Z]{1,16}$/).optional(),
  accessionNumber: z.string().max(16).optional(),
});
export interface PacsStudyRow {
  readonly studyInstanceUID: string;
  readonly patientName: string;
  readonly patientId: string;
  readonly studyDate: string;
  readonly modalities: string[];
  readonly description: string;
  readonly seriesCount: number | undefined;
}

export const listSeriesRequest = z.object({ serverId, studyInstanceUID: uid });
export interface PacsSeriesRow {
  readonly seriesInstanceUID: string;
  readonly modality: string;
  readonly description: string;
  readonly instanceCount: number | undefined;
}

/** Retrieves the series into main's cache and opens them as a study, as Open Folder would. */
export const retrieveRequest = z.object({ serverId, studyInstanceUID: uid, seriesInstanceUIDs: z.array(uid).min(1).max(200) });
export interface PacsProgress {
  readonly series: string;
  readonly done: number;
  readonly total: number;
  readonly fromCache: number;
}

/** Sends the current segmentation of these items' series as one SEG per series. */
export const sendRequest = z.object({ serverId, studyKey: z.string().min(1).max(200), itemIds: z.array(z.string().min(1).max(400)).min(1).max(5000) });
export interface SendOutcome {
  readonly series: string;
  readonly status: 'stored' | 'already-present' | 'refused';
  readonly reason?: string;
  /** Where the SEG is kept in the app's outbox (always, and the place to look when refused). */
  readonly keptAt: string;
}
