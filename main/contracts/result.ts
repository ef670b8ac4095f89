// Results that cross IPC: errors travel as values with a stable code, never as thrown exceptions.
import { z } from 'zod';

export const errorCodes = ['invalid', 'not-found', 'exists', 'unavailable', 'cancelled', 'failed'] as const;
export const appErrorSchema = z.object({ code: z.enum(errorCodes), message: z.string() });
export type AppError = z.infer<typeof appErrorSchema>;
export type ErrorCode = AppError['code'];

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AppError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: ErrorCode, message: string): Result<T> => ({ ok: false, error: { code, message } });

export const u8 = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected a Uint8Array');
export const i16 = z.custom<Int16Array>((v) => v instanceof Int16Array, 'expected an Int16Array');
