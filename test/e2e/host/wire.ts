// The test host's wire format: JSON with typed arrays lifted out into a binary tail, so pixels cross without base64.
type Typed = Uint8Array | Int16Array | Float32Array;
const KINDS = { u8: Uint8Array, i16: Int16Array, f32: Float32Array } as const;
type Kind = keyof typeof KINDS;

function kindOf(v: unknown): Kind | null {
  if (v instanceof Uint8Array) return 'u8';
  if (v instanceof Int16Array) return 'i16';
  if (v instanceof Float32Array) return 'f32';
  return null;
}

export function encode(value: unknown): Uint8Array<ArrayBuffer> {
  const parts: Typed[] = [];
  const json = JSON.stringify(value ?? null, (_k, v: unknown) => {
    const kind = kindOf(v);
    if (!kind) return v;
    parts.push(v as Typed);
    return { $bin: parts.length - 1, kind, len: (v as Typed).length };
  });
  const head = new TextEncoder().encode(json);
  let size = 4 + head.length;
  const offsets = parts.map((p) => {
    size = Math.ceil(size / 8) * 8;
    const at = size;
    size += p.byteLength;
    return at;
  });
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 4);
  parts.forEach((p, i) => out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), offsets[i] ?? 0));
  return out;
}

export function decode(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLen = view.getUint32(0, true);
  const json = new TextDecoder().decode(bytes.subarray(4, 4 + headLen));
  let cursor = 4 + headLen;
  const raw = JSON.parse(json) as unknown;
  // Parts lie in JSON.stringify's depth-first key order, which revive() below walks in the same order.
  return revive(raw, (kind, length) => {
    cursor = Math.ceil(cursor / 8) * 8;
    const Ctor = KINDS[kind];
    const byteLen = length * Ctor.BYTES_PER_ELEMENT;
    const copy = new Uint8Array(byteLen);
    copy.set(bytes.subarray(cursor, cursor + byteLen));
    cursor += byteLen;
    return new Ctor(copy.buffer);
  });
}

function revive(v: unknown, take: (kind: Kind, length: number) => Typed): unknown {
  if (Array.isArray(v)) return v.map((x) => revive(x, take));
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$bin === 'number' && typeof o.kind === 'string' && typeof o.len === 'number') return take(o.kind as Kind, o.len);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = revive(x, take);
    return out;
  }
  return v;
}
