/**
 * Case D, the ceiling: a bare Hono app (its own process, like Tessera's) that does only the unavoidable part of a
 * tokenizing whoami, the way Tessera does it: default claims plus the mapper's claims, JSON, base64url, an
 * Ed25519 signature made in libuv's thread pool (node:crypto's callback form, a KeyObject made once, the header
 * segment precomputed), and the very same response body and headers (Tessera's whoami JSON of the session, with
 * `tokenized` appended). No session lookup, no mapper, no logging, no middleware. The ratio B/D therefore
 * measures what Tessera adds, not a difference in how the signature is scheduled or in what is sent.
 */
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { CeilingMessage, CeilingStart } from './bench-protocol.js';

const NO_CACHE = 'private, no-cache, no-store, must-revalidate';

process.on('message', (message: CeilingStart) => {
  if (message.type === 'start') start(message);
});
process.on('disconnect', () => process.exit(0));

function start(spec: CeilingStart): void {
  const { privateKey } = generateKeyPairSync('ed25519');
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'bench-ceiling', typ: 'JWT' })).toString('base64url');
  const prefix = spec.sessionJson.slice(0, -1);

  const app = new Hono();
  app.get('/token', async (c) => {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { jti: randomUUID(), iss: spec.issuer, exp: now + spec.ttlSeconds, sid: spec.sessionId, nbf: now, iat: now, sub: spec.identityId };
    for (const [key, value] of Object.entries(spec.mapped)) claims[key] = value;
    const signingInput = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const signature = await new Promise<Buffer>((resolve, reject) => sign(null, Buffer.from(signingInput), privateKey, (error, bytes) => (error ? reject(error) : resolve(bytes))));
    c.header('X-Kratos-Authenticated-Identity-Id', spec.identityId);
    c.header('Cache-Control', NO_CACHE);
    c.header('Content-Type', 'application/json');
    return c.body(`${prefix},"tokenized":${JSON.stringify(`${signingInput}.${signature.toString('base64url')}`)}}`);
  });

  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => {
    const message: CeilingMessage = { type: 'ready', port: (server.address() as AddressInfo).port };
    process.send?.(message);
  });
}
