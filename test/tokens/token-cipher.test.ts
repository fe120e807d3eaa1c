// Token encryption: round trip, tamper detection, binding to athlete and field, key formats.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createTokenCipher, parseEncryptionKey } from '../../shared/tokens/cipher.js';

const key = randomBytes(32);
const cipher = createTokenCipher(key.toString('base64'));

test('round trip, with a fresh IV each time and no plaintext in the ciphertext', () => {
  const a = cipher.encrypt('access-token-value', 'athlete:1:access');
  const b = cipher.encrypt('access-token-value', 'athlete:1:access');
  assert.notDeepEqual(a, b);
  assert.ok(!a.includes(Buffer.from('access-token-value')));
  assert.equal(cipher.decrypt(a, 'athlete:1:access'), 'access-token-value');
});

test('a ciphertext moved to another athlete or field does not decrypt', () => {
  const sealed = cipher.encrypt('tok', 'athlete:1:refresh');
  assert.throws(() => cipher.decrypt(sealed, 'athlete:2:refresh'));
  assert.throws(() => cipher.decrypt(sealed, 'athlete:1:access'));
});

test('a flipped bit is detected', () => {
  const sealed = cipher.encrypt('tok', 'c');
  sealed[sealed.length - 1]! ^= 1;
  assert.throws(() => cipher.decrypt(sealed, 'c'));
});

test('another key cannot read it', () => {
  const other = createTokenCipher(randomBytes(32).toString('hex'));
  assert.throws(() => other.decrypt(cipher.encrypt('tok', 'c'), 'c'));
});

test('keys: base64 and hex accepted, wrong length refused with a helpful message', () => {
  assert.equal(parseEncryptionKey(key.toString('hex')).length, 32);
  assert.equal(parseEncryptionKey(key.toString('base64')).length, 32);
  assert.throws(() => parseEncryptionKey('short'), /32 bytes/);
  assert.throws(() => parseEncryptionKey(randomBytes(16).toString('base64')), /32 bytes/);
});
