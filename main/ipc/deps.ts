// What the IPC layer is built from: the same services in the Electron app and in the test host.
import type { S3NetConfig } from '../../model/config';
import type { SessionStore } from '../services/session/store';
import type { Segmenter } from '../services/session/queue';
import type { Dialogs, EventSink } from './handler';
import type { StudyLibrary } from '../services/library/library';
import type { CapabilityRegistry } from '../services/capabilities';
import type { PacsDeps } from './pacs';

export interface IpcDeps {
  readonly library: StudyLibrary;
  readonly store: SessionStore;
  readonly dialogs: Dialogs;
  readonly events: EventSink;
  /** Created on first use: starting TF.js workers costs time the app should not spend at launch. */
  readonly segmenter: () => Promise<Segmenter>;
  /** Overrides applied to every run (the test host uses a small, fast config). */
  readonly runDefaults?: Partial<S3NetConfig>;
  /** Paths and destinations main handed out; when given, study:open and export:run accept nothing else. */
  readonly capabilities?: CapabilityRegistry;
  /** Open from / send to PACS; the feature is off without it. */
  readonly pacs?: PacsDeps;
}
