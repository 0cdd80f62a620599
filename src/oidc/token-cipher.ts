import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption of upstream tokens at rest with the keys of `secrets.cipher`, in the format of Kratos's `aes`
 * cipher (cipher/aes.go via cryptopasta): hex(nonce[12] || AES-256-GCM ciphertext || tag[16]), the first
 * secret encrypts, every secret is tried on decryption (so keys can be rotated). The same format means tokens
 * stay readable when an identity store moves between Kratos and Tessera.
 *
 * There is deliberately no plaintext fallback (Kratos's default `noop` cipher only hex-encodes): without a
 * configured secret, upstream tokens are simply not stored.
 */
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class TokenCipher {
  private readonly keys: Buffer[];

  constructor(secrets: readonly string[]) {
    this.keys = secrets.map((secret) => Buffer.from(secret, 'utf8'));
    if (this.keys.length === 0) throw new Error('at least one secret is required');
    for (const key of this.keys) if (key.length !== 32) throw new Error('every secrets.cipher entry must be exactly 32 bytes');
  }

  encrypt(plaintext: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0] as Buffer, nonce);
    const sealed = Buffer.concat([nonce, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return sealed.toString('hex');
  }

  /** The plaintext, or null when no key opens it (Kratos then shows ""). */
  decrypt(hex: string): string | null {
    if (!/^([0-9a-f]{2})+$/i.test(hex)) return null;
    const sealed = Buffer.from(hex, 'hex');
    if (sealed.length < NONCE_BYTES + TAG_BYTES) return null;
    const nonce = sealed.subarray(0, NONCE_BYTES);
    const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, nonce);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
      } catch {
        // wrong key: try the next one
      }
    }
    return null;
  }
}
