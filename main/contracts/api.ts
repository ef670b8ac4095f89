// The shape of window.api: named functions per feature. The preload (Electron) and the test host's bridge both build it.
import type { z } from 'zod';
import type { Result } from './result';
import type { ItemData, RecentEntry, StudyIndex, Thumbnail } from './study';
import type { ClusterMap, JobProgress, JobResult, PickedMask, RunAccepted, RunConfig, pickRequest } from './segment';
import type { Preferences, SavedMask, SessionState, ReviewStatus, ViewState } from './session';
import type { ExportDone, ExportFormat, ExportPlan, ExportRequest, ExportSelection, SegmentStyle, TerminologyEntry } from './export';
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
  /** The cluster map of an item S3-Net has run on; null before any run. */
  labels(studyKey: string, itemId: string): Promise<Result<ClusterMap | null>>;
  onProgress(listener: (p: JobProgress) => void): Unsubscribe;
  onResult(listener: (r: JobResult) => void): Unsubscribe;
}

export interface SessionApi {
  load(studyKey: string): Promise<Result<SessionState>>;
  mask(studyKey: string, itemId: string): Promise<Result<SavedMask | null>>;
  saveMask(studyKey: string, itemId: string, width: number, height: number, mask: Uint8Array): Promise<Result<null>>;
  /**
   * Refused (invalid) for accepting an item without a mask unless acceptEmpty; accepting an item a person edited keeps
   * it corrected. Returns the status saved.
   */
  setStatus(studyKey: string, itemId: string, status: ReviewStatus, acceptEmpty?: boolean): Promise<Result<ReviewStatus>>;
  setView(studyKey: string, view: ViewState): Promise<Result<null>>;
  setSegments(studyKey: string, segments: SegmentStyle[]): Promise<Result<null>>;
  preferences(): Promise<Result<Preferences>>;
  setPreferences(p: { reviewerName: string }): Promise<Result<Preferences>>;
  /** The built-in segment terminology (SNOMED CT codes) for the segment panel's picker. */
  terminology(): Promise<Result<TerminologyEntry[]>>;
}

export interface ExportApi {
  chooseDestination(format: ExportFormat, suggestedName: string): Promise<Result<string | null>>;
  /** What run would write for this selection, counted per status, without writing anything. */
  plan(selection: ExportSelection): Promise<Result<ExportPlan>>;
  run(request: ExportRequest): Promise<Result<ExportDone>>;
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
