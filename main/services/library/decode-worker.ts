// Decoding worker thread: keeps JPEG 2000 / JPEG-LS / BMP decoding off the main process's event loop.
import { parentPort } from 'node:worker_threads';
import { decodeItem, type DecodeRequest } from './decode';

const port = parentPort;
if (!port) throw new Error('decode-worker must run in a worker thread');

port.on('message', (msg: { id: number; request: DecodeRequest }) => {
  decodeItem(msg.request).then(
    (value) => port.postMessage({ id: msg.id, ok: true, value }, ['hu' in value ? (value.hu.buffer as ArrayBuffer) : (value.rgba.buffer as ArrayBuffer)]),
    (err: unknown) => {
      const e = err as { code?: unknown; message?: unknown };
      port.postMessage({ id: msg.id, ok: false, code: typeof e?.code === 'string' ? e.code : 'failed', message: String(e?.message ?? err) });
    },
  );
});
port.postMessage({ ready: true });
