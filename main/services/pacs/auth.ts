// PACS credentials: none, basic or bearer; secrets held by a SecretStore and never written in clear.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic.js';

export type PacsAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly user: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string };

export function authorizationHeader(auth: PacsAuth): string | undefined {
  if (auth.kind === 'basic') return `Basic ${Buffer.from(`${auth.user}:${auth.password}`, 'utf8').toString('base64')}`;
  if (auth.kind === 'bearer') return `Bearer ${auth.token}`;
  return undefined;
}

/**
 * Encrypts and decrypts secrets with the OS keychain. The desktop app passes Electron's safeStorage (main/app);
 * services never import Electron, so they only see this interface.
 */
export interface SecretCipher {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, secret: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Whether set() keeps the secret beyond this process (false: memory only). */
  readonly persistent: boolean;
}

/** Secrets for this process only: what is left when no keychain is available, so nothing is written in clear. */
export function memorySecretStore(): SecretStore {
  const m = new Map<string, string>();
  return {
    persistent: false,
    get: async (k) => m.get(k),
    set: async (k, v) => void m.set(k, v),
    delete: async (k) => void m.delete(k),
  };
}

/**
 * Secrets encrypted by the keychain, kept in one JSON file of base64 ciphertexts (written atomically). Without a
 * usable keychain it falls back to memory: a secret is never written in clear.
 */
export function keychainSecretStore(file: string, cipher: SecretCipher | undefined): SecretStore {
  if (!cipher || !cipher.isEncryptionAvailable()) return memorySecretStore();
  const load = async (): Promise<Record<string, string>> => {
    try {
      const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
    } catch {
      return {};
    }
  };
  const save = (all: Record<string, string>) => writeFileAtomic(file, JSON.stringify(all), { overwrite: true });
  return {
    persistent: true,
    async get(k) {
      const v = (await load())[k];
      return v === undefined ? undefined : cipher.decryptString(Buffer.from(v, 'base64'));
    },
    async set(k, v) {
      const all = await load();
      all[k] = cipher.encryptString(v).toString('base64');
      await save(all);
    },
    async delete(k) {
      const all = await load();
      delete all[k];
      await save(all);
    },
  };
}
