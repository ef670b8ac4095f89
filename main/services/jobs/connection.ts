// Redis connections for the series queue: a redis:// URL (password there or in S3A_REDIS_PASSWORD), bounded waits.
import { Redis, type RedisOptions } from 'ioredis';

export class QueueError extends Error {
  constructor(readonly queue: string, reason: string) {
    super(`queue ${queue}: ${reason}`);
    this.name = 'QueueError';
  }
}

export interface QueueTarget {
  /** The URL as logs show it: no password. */
  readonly label: string;
  readonly options: RedisOptions;
}

/** Parses redis://[:password@]host[:port][/db] (rediss:// for TLS). The password may come from the environment instead. */
export function queueTarget(url: string, env: NodeJS.ProcessEnv = process.env): QueueTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError(url, 'not a URL (expected redis://host:port)');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new QueueError(url, `expected redis:// or rediss://, got ${u.protocol}`);
  const label = `${u.protocol}//${u.hostname}:${u.port || 6379}${u.pathname.length > 1 ? u.pathname : ''}`;
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new QueueError(label, `bad database number ${u.pathname.slice(1)}`);
  const password = decodeURIComponent(u.password) || env.S3A_REDIS_PASSWORD || undefined;
  return {
    label,
    options: {
      host: u.hostname, port: Number(u.port || 6379), db,
      ...(password ? { password } : {}), ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
      connectTimeout: 5000,
      // BullMQ's workers block on Redis: it asks for no per-request retry limit.
      maxRetriesPerRequest: null,
    },
  };
}

/** Connects once and pings within ms, so a wrong URL or password is a clear error, not an endless retry. */
export async function checkReachable(target: QueueTarget, ms = 5000): Promise<void> {
  const r = new Redis({ ...target.options, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError = '';
  r.on('error', (e: Error) => (lastError ||= e.message)); // the first error says why (the later ones: closed)
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await r.connect();
        await r.ping();
      })(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms))),
    ]);
  } catch (err) {
    const m = `${(err as Error).message} ${lastError}`;
    const why = /NOAUTH|WRONGPASS|invalid password/i.test(m) ? `authentication failed (${m}); give the password in the URL or S3A_REDIS_PASSWORD` : /ECONNREFUSED/.test(m) ? 'connection refused (is redis-server running?)' : (lastError || (err as Error).message);
    throw new QueueError(target.label, why);
  } finally {
    clearTimeout(timer);
    r.disconnect();
  }
}
