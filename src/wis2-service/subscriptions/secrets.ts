/**
 * Credentials at rest: AES-256-GCM with a 32-byte key kept in a key file (base64), created with mode 0600 when absent.
 * Each blob has its own random 96-bit IV; the subscription id is the additional authenticated data, so a sealed
 * secret copied onto another record does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface EncryptedBlob {
  alg: 'aes-256-gcm';
  iv: string;
  tag: string;
  data: string;
}

export class SecretKeyError extends Error {}

const KEY_BYTES = 32;

/**
 * Reads the key file, or creates it (mode 0600, exclusive create so two processes starting together agree on one key).
 * A file that does not hold exactly 32 base64 bytes is refused rather than replaced: replacing it would make every stored
 * secret unreadable.
 */
export async function loadOrCreateKey(file: string, warn: (message: string) => void = () => {}): Promise<Buffer> {
  try {
    return await readKey(file, warn);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(file, 0o600); // the umask may have narrowed it further; never wider
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readKey(file, warn);
}

async function readKey(file: string, warn: (message: string) => void): Promise<Buffer> {
  const text = (await readFile(file, 'utf8')).trim();
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== text) {
    throw new SecretKeyError(`${file}: expected ${KEY_BYTES} random bytes in base64 (the WIS2 credentials key)`);
  }
  const mode = (await stat(file)).mode & 0o777;
  if (mode & 0o077) warn(`${file} is readable by others (mode ${mode.toString(8)}); it should be 600`);
  return key;
}

export function seal(key: Buffer, plaintext: string, aad: string): EncryptedBlob {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { alg: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

export function open(key: Buffer, blob: EncryptedBlob, aad: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(blob.iv, 'base64'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(blob.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(blob.data, 'base64')), decipher.final()]).toString('utf8');
}
