// The shape of window.api: named functions per feature. The preload (Electron) and the test host's bridge both build it.
import type { z } from 'zod';
import type { Result } from './result';
import type { ItemData, RecentEntry, StudyIndex, Thumbnail } from './study';
import type { JobProgress, JobResult, PickedMask, RunAccepted, RunConfig, pickRequest } from './segment';
import type { SavedMask, SessionState, ReviewStatus, ViewState } from './session';
import type { ExportDone, ExportFormat, SegmentStyle } from './export';
import type { MenuCommand } from './menu';
import type { Configured, PacsProgress, PacsSeriesRow, PacsStudyRow, SendOutcome, configureRequest, searchStudiesRequest } from './pacs';

export type Unsubscribe = () => void;

export interface StudyApi {
  open(paths: string[]): Promise<Result<StudyIndex>>;
  /** Shows the system's open dialog; null when the user cancels. */
  choose(kind: 'folder' | 'files'): Promise<Result<StudyIndex | null>>;
  recent(): Promise<Result<RecentEntry[]>>;
  item(studyKey: string, itemId: string, prefetch?: boolean): Promise<Result<ItemData>>;
  thumbnail(studyKey: string, itemId: string, size: number): Promise<Result<Thumbnail>>;
  /** Real path of a dropped File (Electron only); null elsewhere. */
  pathForFile(file: File): string | null;
}

export interface SegmentApi {
  run(studyKey: string, itemIds: string[], config?: RunConfig): Promise<Result<RunAccepted>>;
  cancel(jobIds?: string[]): Promise<Result<null>>;
  pick(request: z.infer<typeof pickRequest>): Promise<Result<PickedMask>>;
  onProgress(listener: (p: JobProgress) => void): Unsubscribe;
  onResult(listener: (r: JobResult) => void): Unsubscribe;
}

export interface SessionApi {
  load(studyKey: string): Promise<Result<SessionState>>;
  mask(studyKey: string, itemId: string): Promise<Result<SavedMask | null>>;
  saveMask(studyKey: string, itemId: string, width: number, height: number, mask: Uint8Array): Promise<Result<null>>;
  setStatus(studyKey: string, itemId: string, status: ReviewStatus): Promise<Result<null>>;
  setView(studyKey: string, view: ViewState): Promise<Result<null>>;
  setSegments(studyKey: string, segments: SegmentStyle[]): Promise<Result<null>>;
}

export interface ExportApi {
  chooseDestination(format: ExportFormat, suggestedName: string): Promise<Result<string | null>>;
  run(studyKey: string, format: ExportFormat, destination: string, itemIds: string[], overwrite: boolean, segments?: SegmentStyle[]): Promise<Result<ExportDone>>;
}

export interface MenuApi {
  onCommand(listener: (c: MenuCommand) => void): Unsubscribe;
}

export interface PacsApi {
  configure(settings: z.infer<typeof configureRequest>): Promise<Result<Configured>>;
  searchStudies(query: z.infer<typeof searchStudiesRequest>): Promise<Result<PacsStudyRow[]>>;
  listSeries(serverId: string, studyInstanceUID: string): Promise<Result<PacsSeriesRow[]>>;
  retrieve(serverId: string, studyInstanceUID: string, seriesInstanceUIDs: string[]): Promise<Result<StudyIndex>>;
  send(serverId: string, studyKey: string, itemIds: string[]): Promise<Result<SendOutcome[]>>;
  onProgress(listener: (p: PacsProgress) => void): Unsubscribe;
}

export interface S3Api {
  readonly study: StudyApi;
  readonly segment: SegmentApi;
  readonly session: SessionApi;
  readonly export: ExportApi;
  readonly menu: MenuApi;
  readonly pacs: PacsApi;
}
