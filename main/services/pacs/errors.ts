// PacsError: every failure talking to a DICOMweb server names the server, and the series when there is one.
export type PacsErrorKind = 'unreachable' | 'timeout' | 'auth' | 'http' | 'malformed' | 'partial' | 'refused' | 'config';

export class PacsError extends Error {
  constructor(
    readonly kind: PacsErrorKind,
    readonly server: string,
    readonly reason: string,
    readonly series?: string,
    readonly status?: number,
  ) {
    super(`PACS ${server}${series ? `, series ${series}` : ''}: ${reason}`);
    this.name = 'PacsError';
  }
}

/** The server as errors name it: origin and path, never credentials. */
export function serverLabel(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}
