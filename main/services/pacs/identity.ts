// The identity of a SEG made by S3-Net: UIDs derived from the source series and the model configuration, so a job
// that runs twice (redelivered, enqueued twice, run on two machines) makes the same SEG, and the archive keeps one.
import { createHash } from 'node:crypto';

export interface SegIdentity {
  readonly seriesInstanceUID: string;
  readonly sopInstanceUID: string;
  /** Short digest of the configuration, for logs and the SEG's description. */
  readonly configDigest: string;
}

/** A stable JSON text of a plain object: keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A 2.25 UID (PS3.5 B.2) from a name-based UUID: SHA-256 of the name, truncated to 128 bits with the version (8,
 * custom) and variant bits set as RFC 9562 asks.
 */
export function nameUid(name: string): string {
  const h = createHash('sha256').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  return `2.25.${BigInt(`0x${h.subarray(0, 16).toString('hex')}`).toString()}`;
}

export function segIdentity(sourceSeriesInstanceUID: string, modelConfiguration: Record<string, unknown>): SegIdentity {
  const config = canonicalJson(modelConfiguration);
  const base = `s3-annotate/seg/v1\n${sourceSeriesInstanceUID}\n${config}`;
  return {
    seriesInstanceUID: nameUid(`${base}\nseries`),
    sopInstanceUID: nameUid(`${base}\ninstance`),
    configDigest: createHash('sha256').update(config).digest('hex').slice(0, 12),
  };
}
