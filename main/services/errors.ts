// Errors with a meaning the renderer (or the CLI) should act on: a stable code from the contracts, and a message.
import type { ErrorCode } from '../contracts/result';

/** Thrown by services/adapters when the failure has a meaning the renderer should act on. */
export class IpcError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IpcError';
  }
}
