// What an IPC handler is: an unknown payload in, a Result out; parsing and error capture happen here, once.
import type { z } from 'zod';
import { fail, ok, type Result } from '../contracts/result';
import { IpcError } from '../services/errors';

export { IpcError } from '../services/errors';

export type Handler = (payload: unknown) => Promise<Result<unknown>>;
export type HandlerTable = Readonly<Record<string, Handler>>;

/** Wraps a function so that its payload is parsed with the contract's schema and every failure becomes a value. */
export function handle<S extends z.ZodType, T>(schema: S, fn: (request: z.infer<S>) => Promise<T>): Handler {
  return async (payload) => {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) return fail('invalid', parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; '));
    try {
      return ok(await fn(parsed.data));
    } catch (err) {
      return toFailure(err);
    }
  };
}

export function toFailure(err: unknown): Result<never> {
  if (err instanceof IpcError) return fail(err.code, err.message);
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  if (e?.name === 'FileExistsError') return fail('exists', String(e.message));
  if (e?.code === 'ENOENT') return fail('not-found', String(e.message));
  if (e?.name === 'AbortError') return fail('cancelled', 'cancelled');
  return fail('failed', err instanceof Error ? err.message : String(err));
}

/** Where main-process events go: Electron's webContents.send, or the test host's event stream. */
export interface EventSink {
  send(channel: string, payload: unknown): void;
}

/** The system dialogs a handler may need; Electron's dialog module in the app, a scripted queue in the test host. */
export interface Dialogs {
  chooseOpen(kind: 'folder' | 'files'): Promise<string[] | null>;
  /** A folder to export into; the export itself refuses to replace files unless the user confirms. */
  chooseExportFolder(suggestedName: string): Promise<string | null>;
}
