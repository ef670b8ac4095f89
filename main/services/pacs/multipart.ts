// multipart/related (RFC 2387) as DICOMweb uses it: a streaming reader, one part in memory at a time, and a writer.
import { randomBytes } from 'node:crypto';

export interface Part {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export class MultipartError extends Error {
  constructor(message: string, readonly partsRead: number) {
    super(message);
    this.name = 'MultipartError';
  }
}

/** The boundary parameter of a multipart Content-Type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\//i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

function parseHeaders(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

/**
 * Yields the parts of a multipart body as they arrive. A body that ends before the closing delimiter throws a
 * MultipartError after the complete parts were yielded, so a caller can keep what arrived and resume.
 */
export async function* readMultipart(chunks: AsyncIterable<Buffer | Uint8Array>, boundary: string, maxPartBytes = 2 ** 31 - 1): AsyncGenerator<Part> {
  const dash = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let buf = Buffer.alloc(0);
  let state: 'preamble' | 'afterBoundary' | 'headers' | 'body' | 'done' = 'preamble';
  let headers: Record<string, string> = {};
  let searchFrom = 0;
  let parts = 0;
  const isDone = () => state === 'done'; // (state changes inside step(), out of the compiler's sight)
  const step = (): Part | 'more' | 'again' => {
    if (state === 'preamble') {
      // The first delimiter may open the body without a CRLF before it.
      const at = buf.indexOf(dash);
      if (at < 0) {
        if (buf.length > 64 * 1024) throw new MultipartError('no multipart boundary in the first 64 KiB', parts);
        return 'more';
      }
      buf = buf.subarray(at + dash.length);
      state = 'afterBoundary';
      return 'again';
    }
    if (state === 'afterBoundary') {
      if (buf.length < 2) return 'more';
      if (buf[0] === 0x2d && buf[1] === 0x2d) {
        state = 'done';
        return 'again';
      }
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return 'more';
      buf = buf.subarray(eol + 2); // transport padding after the boundary is ignored
      state = 'headers';
      return 'again';
    }
    if (state === 'headers') {
      if (buf.subarray(0, 2).toString('latin1') === '\r\n') {
        headers = {};
        buf = buf.subarray(2);
        state = 'body';
        searchFrom = 0;
        return 'again';
      }
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 64 * 1024) throw new MultipartError('part headers longer than 64 KiB', parts);
        return 'more';
      }
      headers = parseHeaders(buf.subarray(0, end).toString('latin1'));
      buf = buf.subarray(end + 4);
      state = 'body';
      searchFrom = 0;
      return 'again';
    }
    if (state === 'body') {
      const at = buf.indexOf(delimiter, searchFrom);
      if (at < 0) {
        if (buf.length > maxPartBytes) throw new MultipartError(`a part is larger than ${maxPartBytes} bytes`, parts);
        searchFrom = Math.max(0, buf.length - delimiter.length);
        return 'more';
      }
      const body = Buffer.from(buf.subarray(0, at));
      buf = buf.subarray(at + delimiter.length);
      state = 'afterBoundary';
      parts++;
      return { headers, body };
    }
    return 'more';
  };
  for await (const chunk of chunks) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : Buffer.from(chunk);
    for (;;) {
      if (isDone()) return;
      const r = step();
      if (r === 'more') break;
      if (r !== 'again') yield r;
    }
  }
  for (;;) {
    if (isDone()) return;
    const r = step();
    if (r === 'more') break;
    if (r !== 'again') yield r;
  }
  throw new MultipartError(`the answer ended before the closing boundary (after ${parts} complete part${parts === 1 ? '' : 's'})`, parts);
}

/** A multipart/related body of DICOM objects for STOW-RS. */
export function writeMultipart(parts: readonly Uint8Array[], type = 'application/dicom'): { body: Buffer; contentType: string } {
  const boundary = `s3a-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${type}\r\n\r\n`, 'latin1'), Buffer.from(p.buffer, p.byteOffset, p.byteLength), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/related; type="${type}"; boundary=${boundary}` };
}
