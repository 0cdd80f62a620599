/**
 * Case D, the ceiling: a bare Hono app (its own process, like Tessera's) that signs an equivalent EdDSA JWT per
 * request with node:crypto (a KeyObject made once, the header segment precomputed): the same claims a postgrest
 * token carries, with no session lookup and no mapper. Nothing a tokenizing whoami does can be faster.
 */
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { CeilingMessage } from './bench-protocol.js';

const { privateKey } = generateKeyPairSync('ed25519');
const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'bench-ceiling', typ: 'JWT' })).toString('base64url');
const sessionId = randomUUID();
const identityId = randomUUID();

const app = new Hono();
app.get('/token', (c) => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { jti: randomUUID(), iss: 'http://127.0.0.1:4433/', exp: now + 300, sid: sessionId, nbf: now, iat: now, sub: identityId, role: 'editor', email: 'bench-ceiling@example.org' };
  const signingInput = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return c.json({ tokenized: `${signingInput}.${sign(null, Buffer.from(signingInput), privateKey).toString('base64url')}` });
});

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => {
  const message: CeilingMessage = { type: 'ready', port: (server.address() as AddressInfo).port };
  process.send?.(message);
});
process.on('disconnect', () => process.exit(0));
