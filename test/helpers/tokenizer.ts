import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { newIdentity } from '../../src/identity/new-identity.js';
import type { Deps } from '../../src/deps.js';
import { generateToken, hashToken, LOGOUT_TOKEN_PREFIX, SESSION_TOKEN_PREFIX } from '../../src/session/session-token.js';
import type { JsonObject } from '../../src/json-object.js';
import { generatePrivateJwks } from '../../src/tokenizer/key-generation.js';
import type { SigningAlgorithm } from '../../src/tokenizer/signing-algorithms.js';

/** Absolute path of a file under test/fixtures/tokenizer. */
export function tokenizerFixture(name: string): string {
  return resolve('test/fixtures/tokenizer', name);
}

/** `file://` URL of a fixture or any absolute path. */
export const fileUrl = (path: string): string => `file://${path}`;

/** `base64://` URL of an inline mapper, as Kratos accepts it. */
export const base64Url = (text: string): string => `base64://${Buffer.from(text).toString('base64')}`;

/** Writes a fresh private key set into `dir` and returns its path. */
export async function writeKeyFile(dir: string, alg: SigningAlgorithm = 'EdDSA', name = `${alg.toLowerCase()}-${randomUUID()}.jwks.json`, kid?: string): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(await generatePrivateJwks(alg, kid)), { mode: 0o600 });
  return path;
}

export interface SeededSession {
  token: string;
  identityId: string;
  sessionId: string;
}

/**
 * Puts an identity and an active session into the real store with chosen ids (Kratos's tokenizer tests use
 * fixed ones) and returns the session token, as if the user had logged in.
 */
export async function seedSession(
  deps: Deps,
  options: {
    identityId?: string;
    sessionId?: string;
    externalId?: string | null;
    traits?: JsonObject;
    metadataPublic?: unknown;
    metadataAdmin?: unknown;
    now?: Date;
    lifespanMs?: number;
  } = {},
): Promise<SeededSession> {
  const now = options.now ?? deps.now();
  const identity = newIdentity({
    schema: deps.schemas.getDefault(),
    traits: options.traits ?? { email: `${randomUUID()}@example.org` },
    now,
    id: options.identityId ?? randomUUID(),
    externalId: options.externalId ?? null,
    metadataPublic: options.metadataPublic ?? null,
    metadataAdmin: options.metadataAdmin ?? null,
  });
  const token = generateToken(SESSION_TOKEN_PREFIX);
  const sessionId = options.sessionId ?? randomUUID();
  await deps.store.createIdentity(identity, {
    session: {
      id: sessionId,
      identityId: identity.id,
      tokenHash: hashToken(token),
      logoutTokenHash: hashToken(generateToken(LOGOUT_TOKEN_PREFIX)),
      active: true,
      expiresAt: new Date(now.getTime() + (options.lifespanMs ?? 3_600_000)),
      authenticatedAt: now,
      issuedAt: now,
      aal: 'aal1',
      authenticationMethods: [{ method: 'password', aal: 'aal1', completed_at: now.toISOString() }],
      devices: [],
      createdAt: now,
      updatedAt: now,
    },
  });
  return { token, identityId: identity.id, sessionId };
}

export interface WhoamiResult {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** `GET /sessions/whoami?tokenize_as=<template>` over real HTTP. */
export async function whoami(publicUrl: string, token: string | null, template?: string): Promise<WhoamiResult> {
  const url = new URL('/sessions/whoami', publicUrl);
  if (template !== undefined) url.searchParams.set('tokenize_as', template);
  const response = await fetch(url, { headers: token ? { 'X-Session-Token': token } : {} });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

/** The payload of a compact JWT, without verifying it (tests verify separately). */
export function payloadOf(jwt: string): Record<string, unknown> {
  const [, payload] = jwt.split('.');
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function headerOf(jwt: string): Record<string, unknown> {
  const [header] = jwt.split('.');
  return JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Writes any JWK Set document (or raw text) into `dir` and returns its path. */
export function writeJwksFile(dir: string, name: string, document: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof document === 'string' ? document : JSON.stringify(document), { mode: 0o600 });
  return path;
}

/** A private JWK for `alg`; RSA keys are 2048 bits here (the minimum) to keep tests quick. */
export function privateJwk(alg: SigningAlgorithm, kid?: string): Record<string, unknown> {
  const curves: Partial<Record<SigningAlgorithm, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
  const curve = curves[alg];
  const { privateKey } =
    alg === 'EdDSA' ? generateKeyPairSync('ed25519') : curve ? generateKeyPairSync('ec', { namedCurve: curve }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk: Record<string, unknown> = { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig' };
  if (kid !== undefined) jwk.kid = kid;
  return jwk;
}
