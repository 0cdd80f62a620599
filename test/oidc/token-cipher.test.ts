// test-stores: none
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { describe, it } from 'node:test';
import { TokenCipher } from '../../src/oidc/token-cipher.js';

/** Upstream tokens at rest: Kratos's `aes` format, key rotation, tampering detected, no weak keys. */
describe('token cipher', () => {
  const oldKey = 'old-cipher-secret-32-bytes-long!';
  const newKey = 'new-cipher-secret-32-bytes-long!';

  it('writes hex(nonce || AES-256-GCM ciphertext || tag), readable with the first secret as the key', () => {
    const sealed = new TokenCipher([newKey]).encrypt('eyJ.token.sig');
    const bytes = Buffer.from(sealed, 'hex');
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(newKey), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    assert.equal(Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString(), 'eyJ.token.sig');
    assert.notEqual(new TokenCipher([newKey]).encrypt('same'), new TokenCipher([newKey]).encrypt('same'), 'a fresh nonce each time');
  });

  it('decrypts with any configured secret, so secrets can rotate', () => {
    const sealed = new TokenCipher([oldKey]).encrypt('refresh-token');
    assert.equal(new TokenCipher([newKey, oldKey]).decrypt(sealed), 'refresh-token');
    assert.equal(new TokenCipher([newKey]).decrypt(sealed), null);
  });

  it('detects tampering and garbage', () => {
    const cipher = new TokenCipher([newKey]);
    const sealed = cipher.encrypt('access-token');
    const flipped = `${sealed.slice(0, 30)}${sealed[30] === '0' ? '1' : '0'}${sealed.slice(31)}`;
    assert.equal(cipher.decrypt(flipped), null);
    assert.equal(cipher.decrypt('not hex'), null);
    assert.equal(cipher.decrypt('00'), null);
  });

  it('refuses secrets that are not 32 bytes', () => {
    assert.throws(() => new TokenCipher(['short']), /32 bytes/);
    assert.throws(() => new TokenCipher(['é'.repeat(32)]), /32 bytes/);
    assert.throws(() => new TokenCipher([]), /at least one/);
  });
});
