// The only code that touches window.api: the preload's (or test host's) named functions, plus small Result helpers.
import type { Result, S3Api } from '../../main/contracts';

declare global {
  interface Window {
    readonly api: S3Api;
  }
}

export const api: S3Api = window.api;

/** Logs a failed Result for the status line and returns its value or null. */
export function valueOr<T>(r: Result<T>, onError: (message: string) => void): T | null {
  if (r.ok) return r.value;
  onError(r.error.message);
  return null;
}
