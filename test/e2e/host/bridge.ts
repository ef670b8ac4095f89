// The test host's stand-in for the preload: the same window.api, built by the same buildApi, over loopback HTTP.
import { buildApi } from '../../../main/preload/api';
import type { Result } from '../../../main/contracts/result';
import { decode, encode } from './wire';

const listeners = new Map<string, Set<(p: unknown) => void>>();
const events = new EventSource('/events');
events.onmessage = (m: MessageEvent<string>) => {
  const bin = Uint8Array.from(atob(m.data), (c) => c.charCodeAt(0));
  const { channel, payload } = decode(bin) as { channel: string; payload: unknown };
  for (const l of listeners.get(channel) ?? []) l(payload);
};

const api = buildApi({
  async invoke(channel, payload) {
    const res = await fetch(`/ipc/${encodeURIComponent(channel)}`, { method: 'POST', body: encode(payload) });
    return decode(new Uint8Array(await res.arrayBuffer())) as Result<unknown>;
  },
  on(channel, listener) {
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    set.add(listener);
    return () => void set.delete(listener);
  },
  pathForFile: () => null,
});

Object.defineProperty(window, 'api', { value: Object.freeze(api), writable: false });
