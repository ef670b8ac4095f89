// Builds window.api's named functions from a transport; the Electron preload and the test host's bridge share it.
import { exportChannels, menuChannels, pacsChannels, segmentChannels, sessionChannels, studyChannels } from '../contracts/channels';
import type {
  ClusterMap,
  Configured,
  PacsProgress,
  PacsSeriesRow,
  PacsStudyRow,
  SendOutcome,
  ExportDone,
  ExportPlan,
  ItemData,
  JobProgress,
  JobResult,
  MenuCommand,
  Preferences,
  PickedMask,
  RecentEntry,
  ReviewStatus,
  Result,
  RunAccepted,
  S3Api,
  SavedMask,
  SessionState,
  StudyIndex,
  TerminologyEntry,
  Thumbnail,
  Unsubscribe,
} from '../contracts';

/** The two primitives a transport offers. Never exposed to the page: only the named functions below are. */
export interface Transport {
  invoke(channel: string, payload: unknown): Promise<Result<unknown>>;
  on(channel: string, listener: (payload: unknown) => void): Unsubscribe;
  pathForFile(file: File): string | null;
}

export function buildApi(t: Transport): S3Api {
  // Main validates every request; its answers are trusted, so the cast only names the type it promises.
  const call = <T>(channel: string, payload: unknown): Promise<Result<T>> => t.invoke(channel, payload) as Promise<Result<T>>;
  const listen =
    <T>(channel: string) =>
    (listener: (v: T) => void): Unsubscribe =>
      t.on(channel, (p) => listener(p as T));
  return {
    study: {
      open: (paths) => call<StudyIndex>(studyChannels.open, { paths }),
      choose: (kind) => call<StudyIndex | null>(studyChannels.choose, { kind }),
      recent: () => call<RecentEntry[]>(studyChannels.recent, null),
      item: (studyKey, itemId, prefetch) => call<ItemData>(studyChannels.item, { studyKey, itemId, prefetch }),
      thumbnail: (studyKey, itemId, size) => call<Thumbnail>(studyChannels.thumbnail, { studyKey, itemId, size }),
      pathForFile: (file) => t.pathForFile(file),
    },
    segment: {
      run: (studyKey, itemIds, config) => call<RunAccepted>(segmentChannels.run, { studyKey, itemIds, config }),
      cancel: (jobIds) => call<null>(segmentChannels.cancel, { jobIds }),
      pick: (request) => call<PickedMask>(segmentChannels.pick, request),
      labels: (studyKey, itemId) => call<ClusterMap | null>(segmentChannels.labels, { studyKey, itemId }),
      onProgress: listen<JobProgress>(segmentChannels.progress),
      onResult: listen<JobResult>(segmentChannels.result),
    },
    session: {
      load: (studyKey) => call<SessionState>(sessionChannels.load, { studyKey }),
      mask: (studyKey, itemId) => call<SavedMask | null>(sessionChannels.mask, { studyKey, itemId }),
      saveMask: (studyKey, itemId, width, height, mask) => call<null>(sessionChannels.saveMask, { studyKey, itemId, width, height, mask }),
      setStatus: (studyKey, itemId, status, acceptEmpty) => call<ReviewStatus>(sessionChannels.setStatus, { studyKey, itemId, status, acceptEmpty }),
      setView: (studyKey, view) => call<null>(sessionChannels.setView, { studyKey, view }),
      setSegments: (studyKey, segments) => call<null>(sessionChannels.setSegments, { studyKey, segments }),
      preferences: () => call<Preferences>(sessionChannels.preferences, null),
      setPreferences: (p) => call<Preferences>(sessionChannels.setPreferences, p),
      terminology: () => call<TerminologyEntry[]>(sessionChannels.terminology, null),
    },
    export: {
      chooseDestination: (format, suggestedName) => call<string | null>(exportChannels.chooseDestination, { format, suggestedName }),
      plan: (selection) => call<ExportPlan>(exportChannels.plan, selection),
      run: (request) => call<ExportDone>(exportChannels.run, request),
    },
    menu: { onCommand: listen<MenuCommand>(menuChannels.command) },
    pacs: {
      configure: (settings) => call<Configured>(pacsChannels.configure, settings),
      searchStudies: (query) => call<PacsStudyRow[]>(pacsChannels.searchStudies, query),
      listSeries: (serverId, studyInstanceUID) => call<PacsSeriesRow[]>(pacsChannels.listSeries, { serverId, studyInstanceUID }),
      retrieve: (serverId, studyInstanceUID, seriesInstanceUIDs) => call<StudyIndex>(pacsChannels.retrieve, { serverId, studyInstanceUID, seriesInstanceUIDs }),
      send: (serverId, studyKey, itemIds) => call<SendOutcome[]>(pacsChannels.send, { serverId, studyKey, itemIds }),
      onProgress: listen<PacsProgress>(pacsChannels.progress),
    },
  };
}
