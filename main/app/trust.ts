// Pure checks for the shell (no electron import, unit-tested in Node): who may call main, which files app:// serves.
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'renderer';
/** The renderer's one URL: everything else (other pages, frames, file://) is refused by the sender check. */
export const RENDERER_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** An IPC call is ours only from the main frame (no parent) of our window, showing exactly our page (a #fragment allowed). */
export function isTrustedSender(frame: { readonly url: string; readonly parent: unknown } | null | undefined, rendererUrl = RENDERER_URL): boolean {
  if (!frame || frame.parent !== null) return false;
  const hash = frame.url.indexOf('#');
  return (hash >= 0 ? frame.url.slice(0, hash) : frame.url) === rendererUrl;
}

/**
 * The file an app:// URL names inside the built renderer folder, or null: other hosts, `..`, encoded separators,
 * absolute paths and anything that resolves outside root are refused.
 */
export function resolveAppPath(url: string, root: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || u.username || u.password || u.port) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\') || path.split('/').includes('..')) return null;
  const file = resolve(root, `.${path === '/' ? '/index.html' : path}`);
  const rel = relative(resolve(root), file);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) return null;
  return file;
}

/** Links the app may open in the system browser: the project's own documentation, nothing else. */
export const EXTERNAL_ALLOW_LIST: readonly string[] = [];

export function isAllowedExternal(url: string): boolean {
  return EXTERNAL_ALLOW_LIST.includes(url);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.woff2': 'font/woff2', '.wasm': 'application/wasm', '.ico': 'image/x-icon',
};

export function contentType(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}
