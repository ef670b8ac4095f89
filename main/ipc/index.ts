// Every feature's IPC handlers in one table, keyed by the contracts' channel names.
import type { IpcDeps } from './deps';
import type { HandlerTable } from './handler';
import { studyHandlers } from './study';
import { sessionHandlers } from './session';
import { exportHandlers } from './export';
import { segmentHandlers } from './segment';
import { pacsHandlers } from './pacs';

export type { IpcDeps } from './deps';
export type { Handler, HandlerTable, Dialogs, EventSink } from './handler';

export interface IpcHost {
  readonly handlers: HandlerTable;
  /** Cancels running jobs and waits for pending writes. */
  close(): Promise<void>;
}

export function createIpc(deps: IpcDeps): IpcHost {
  const segment = segmentHandlers(deps);
  return {
    handlers: { ...studyHandlers(deps), ...sessionHandlers(deps), ...exportHandlers(deps), ...segment.handlers, ...(deps.pacs ? pacsHandlers(deps, deps.pacs) : {}) },
    async close() {
      segment.queue.cancel();
      await deps.store.flush();
    },
  };
}
