// The shell's pure trust checks and the capability registry: what a compromised renderer may not do.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { isAllowedExternal, isTrustedSender, resolveAppPath, RENDERER_URL } from '../../../main/app/trust';
import { CapabilityRegistry } from '../../../main/services/capabilities';

describe('IPC sender check', () => {
  it('accepts only the exact renderer URL in the main frame', () => {
    expect(isTrustedSender({ url: RENDERER_URL, parent: null })).toBe(true);
    expect(isTrustedSender({ url: `${RENDERER_URL}#review`, parent: null })).toBe(true);
    expect(isTrustedSender({ url: RENDERER_URL, parent: {} })).toBe(false);
    for (const url of ['file:///tmp/evil.html', 'app://renderer/other.html', 'app://evil/index.html', 'https://example.org/', `${RENDERER_URL}?x=1`, 'app://renderer/index.html/..']) {
      expect(isTrustedSender({ url, parent: null }), url).toBe(false);
    }
    expect(isTrustedSender(null)).toBe(false);
  });
});

describe('app:// protocol confinement', () => {
  const root = '/opt/s3/out/renderer';
  it('serves files inside the renderer folder', () => {
    expect(resolveAppPath('app://renderer/index.html', root)).toBe(join(root, 'index.html'));
    expect(resolveAppPath('app://renderer/', root)).toBe(join(root, 'index.html'));
    expect(resolveAppPath('app://renderer/assets/index-abc.js?v=1', root)).toBe(join(root, 'assets/index-abc.js'));
  });
  it('a literal .. is normalised by the URL parser and stays inside the folder', () => {
    expect(resolveAppPath('app://renderer/../../main/index.js', root)).toBe(join(root, 'main/index.js'));
    expect(resolveAppPath('app://renderer/%2e%2e/%2e%2e/etc/passwd', root)).toBe(join(root, 'etc/passwd'));
  });
  it('refuses traversal, encoded separators, other hosts and schemes', () => {
    for (const url of [
      'app://renderer/assets/..%2f..%2fsecret',
      'app://renderer/a%5c..%5cb', 'app://renderer/x%00.js', 'app://other/index.html', 'file:///etc/passwd', 'app://user:pw@renderer/index.html',
      'app://renderer:99/index.html', 'not a url',
    ]) expect(resolveAppPath(url, root), url).toBeNull();
  });
  it('opens no external link outside the allow-list (empty: none at all)', () => {
    expect(isAllowedExternal('https://attacker.example/?data=stolen')).toBe(false);
  });
});

describe('capabilities', () => {
  it('study:open and export:run accept only what main handed out', () => {
    const caps = new CapabilityRegistry();
    expect(() => caps.checkOpen(['/home/u/scans'])).toThrow(/\/home\/u\/scans: not chosen in a dialog, dropped on the window or on the Recent list/);
    caps.grantOpen(['/home/u/scans'], 'dialog');
    caps.grantOpen(['/data/dropped.dcm'], 'drop');
    expect(() => caps.checkOpen(['/home/u/scans', '/data/dropped.dcm'])).not.toThrow();
    expect(() => caps.checkOpen(['/home/u/scans/../../../etc'])).toThrow(/not chosen/);
    expect(() => caps.checkOpen(['/home/u'])).toThrow(/not chosen/);
    expect(() => caps.checkDestination('/home/u/.ssh')).toThrow(/not a destination chosen in the export dialog/);
    caps.grantDestination('/home/u/export');
    expect(() => caps.checkDestination('/home/u/export/')).not.toThrow();
  });
});
