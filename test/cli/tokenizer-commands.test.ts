// test-stores: sqlite
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { generatePrivateJwks, writePrivateKeyFile } from '../../src/tokenizer/key-generation.js';
import { tempDir } from '../helpers/config.js';

/** `tessera keys|jwks|config|tokenize|serve`, spawned as a user runs them. */
const run = promisify(execFile);
const MAIN = resolve('src/main.ts');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function tessera(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: process.cwd(), env: { ...process.env, LOG_LEVEL: 'silent' }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Reads `NAME='value'` lines as a POSIX shell would (single quotes, '\'' escapes). */
function parseShellVariables(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.trim().split('\n')) {
    const match = /^([A-Z_]+)='(.*)'$/.exec(line);
    assert.ok(match, `not a NAME='value' line: ${line}`);
    out[match[1] as string] = (match[2] as string).replace(/'\\''/g, "'");
  }
  return out;
}

describe('tessera keys generate', () => {
  const dir = tempDir();

  it('prints a private EdDSA JWK set with a thumbprint kid by default', async () => {
    const { code, stdout } = await tessera('keys', 'generate');
    assert.equal(code, 0);
    const { keys } = JSON.parse(stdout) as { keys: Array<Record<string, string>> };
    assert.equal(keys.length, 1);
    const key = keys[0] as Record<string, string>;
    assert.deepEqual([key.kty, key.crv, key.alg, key.use], ['OKP', 'Ed25519', 'EdDSA', 'sig']);
    assert.equal(typeof key.d, 'string');
    assert.equal(key.kid, await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: key.x } as JWK, 'sha256'));
  });

  it('honours --alg and --kid, and refuses HS256', async () => {
    const [es256, rs256, hs256] = await Promise.all([tessera('keys', 'generate', '--alg', 'ES256', '--kid', 'my-key'), tessera('keys', 'generate', '--alg', 'RS256'), tessera('keys', 'generate', '--alg', 'HS256')]);
    const es = (JSON.parse(es256.stdout) as { keys: Array<Record<string, string>> }).keys[0];
    assert.deepEqual([es?.kty, es?.crv, es?.alg, es?.kid], ['EC', 'P-256', 'ES256', 'my-key']);
    const rs = (JSON.parse(rs256.stdout) as { keys: Array<Record<string, string>> }).keys[0];
    assert.deepEqual([rs?.kty, rs?.alg, Buffer.from(rs?.n ?? '', 'base64url').length * 8], ['RSA', 'RS256', 3072]);
    assert.equal(hs256.code, 1);
    assert.match(hs256.stderr, /^tessera: --alg must be one of .*shared secrets/);
  });

  it('writes --out as 0600 and never overwrites it', async () => {
    const out = join(dir, 'nested', 'key.json');
    const first = await tessera('keys', 'generate', '--out', out);
    assert.equal(first.code, 0);
    assert.equal(first.stdout, '');
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const before = readFileSync(out, 'utf8');
    const second = await tessera('keys', 'generate', '--out', out);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /exists already and is never overwritten/);
    assert.equal(readFileSync(out, 'utf8'), before);
  });
});

describe('tessera jwks, config and tokenize on a kratos.yml', () => {
  const dir = tempDir();
  const configFile = join(dir, 'kratos.yml');
  const privateKeys: Record<string, { keys: Array<Record<string, string>> }> = {};

  before(async () => {
    writeFileSync(
      configFile,
      `dsn: sqlite://${join(dir, 'tessera.db')}?_fk=true
serve:
  public: { base_url: "https://id.example.com/", host: 127.0.0.1, port: 0 }
  admin: { host: 127.0.0.1, port: 0 }
identity:
  default_schema_id: default
  schemas: [{ id: default, url: "file://${resolve('templates/identity.schema.json')}" }]
session:
  whoami:
    tokenizer:
      templates:
        postgrest: { jwks_url: "file://keys/postgrest.jwks.json", claims_mapper_url: "file://${resolve('templates/postgrest.jsonnet')}" }
        hasura: { jwks_url: "file://keys/hasura.jwks.json", claims_mapper_url: "file://${resolve('templates/hasura.jsonnet')}" }
        failing: { jwks_url: "file://keys/hasura.jwks.json", claims_mapper_url: "base64://${Buffer.from("{ claims: { x: std.extVar('session').identity.traits.nickname } }").toString('base64')}" }
log: { level: silent }
`,
    );
    // In-process, to spare two process starts: `keys generate --out` itself is covered above.
    for (const name of ['postgrest', 'hasura']) {
      const jwks = await generatePrivateJwks('EdDSA');
      writePrivateKeyFile(join(dir, 'keys', `${name}.jwks.json`), jwks);
      privateKeys[name] = jwks as unknown as { keys: Array<Record<string, string>> };
    }
  });

  const publicKid = (name: string): string => privateKeys[name]?.keys[0]?.kid ?? '';

  it('tessera jwks prints the public keys of every template (relative file:// from the config folder)', async () => {
    const { code, stdout } = await tessera('jwks', '-c', configFile);
    assert.equal(code, 0);
    const { keys } = JSON.parse(stdout) as { keys: Array<Record<string, string>> };
    assert.deepEqual(keys.map((k) => k.kid), [publicKid('postgrest'), publicKid('hasura')]);
    for (const key of keys) assert.deepEqual(Object.keys(key), ['kty', 'crv', 'x', 'kid', 'alg', 'use']);
    assert.ok(!stdout.includes(privateKeys.postgrest?.keys[0]?.d ?? 'missing'));
  });

  it('tessera config postgrest prints PGRST_JWT_SECRET (the JWKS) and PGRST_JWT_ROLE_CLAIM_KEY', async () => {
    const [all, narrowed, v16] = await Promise.all([
      tessera('config', 'postgrest', '-c', configFile),
      tessera('config', 'postgrest', '-c', configFile, '--template', 'postgrest'),
      tessera('config', 'postgrest', '-c', configFile, '--template', 'postgrest', '--postgrest-version', '16'),
    ]);
    assert.equal(all.code, 0, all.stderr);
    const variables = parseShellVariables(all.stdout);
    assert.deepEqual(Object.keys(variables), ['PGRST_JWT_SECRET', 'PGRST_JWT_ROLE_CLAIM_KEY']);
    assert.equal(variables.PGRST_JWT_ROLE_CLAIM_KEY, '.role');
    const secret = JSON.parse(variables.PGRST_JWT_SECRET ?? '') as { keys: Array<Record<string, string>> };
    assert.deepEqual(secret.keys.map((k) => k.kid), [publicKid('postgrest'), publicKid('hasura')]);
    assert.deepEqual((JSON.parse(parseShellVariables(narrowed.stdout).PGRST_JWT_SECRET ?? '') as typeof secret).keys.map((k) => k.kid), [publicKid('postgrest')]);
    assert.equal(parseShellVariables(v16.stdout).PGRST_JWT_ROLE_CLAIM_KEY, '$.role');
  });

  it('tessera config hasura prints HASURA_GRAPHQL_JWT_SECRET with jwk_url, issuer and allowed_skew', async () => {
    const { code, stdout } = await tessera('config', 'hasura', '-c', configFile);
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(parseShellVariables(stdout).HASURA_GRAPHQL_JWT_SECRET ?? ''), {
      jwk_url: 'https://id.example.com/.well-known/jwks.json',
      issuer: 'https://id.example.com/',
      allowed_skew: 30,
    });
  });

  it('tessera tokenize prints the claims a template produces for a saved whoami response', async () => {
    const sessionFile = join(dir, 'session.json');
    writeFileSync(
      sessionFile,
      JSON.stringify({
        id: '432caf86-c1d8-401c-978a-8da89133f78b',
        active: true,
        authenticator_assurance_level: 'aal1',
        identity: {
          id: '7458af86-c1d8-401c-978a-8da89133f78b',
          schema_id: 'default',
          traits: { email: 'ada@example.org' },
          metadata_public: { role: 'editor' },
          metadata_admin: { secret: 'not for mappers' },
        },
        tokenized: 'eyJ.old.token',
      }),
    );
    const before = Math.floor(Date.now() / 1000);
    const { code, stdout, stderr } = await tessera('tokenize', '-c', configFile, '--template', 'postgrest', '--session', sessionFile);
    assert.equal(code, 0, stderr);
    const claims = JSON.parse(stdout) as Record<string, unknown>;
    assert.deepEqual(
      { ...claims, jti: undefined, exp: undefined, iat: undefined, nbf: undefined },
      { jti: undefined, iss: 'https://id.example.com/', exp: undefined, sid: '432caf86-c1d8-401c-978a-8da89133f78b', nbf: undefined, iat: undefined, sub: '7458af86-c1d8-401c-978a-8da89133f78b', role: 'editor', email: 'ada@example.org' },
    );
    assert.ok((claims.iat as number) >= before);
    assert.equal((claims.exp as number) - (claims.iat as number), 60);

    const failing = await tessera('tokenize', '-c', configFile, '--template', 'failing', '--session', sessionFile);
    assert.equal(failing.code, 1);
    assert.match(failing.stderr, /^tessera: template "failing": Unable to execute tokenizer JsonNet\..*nickname/);

    const unknown = await tessera('tokenize', '-c', configFile, '--template', 'nope', '--session', sessionFile);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no tokenizer template "nope"/);
  });

  it('tessera serve refuses to start with a broken key file, in one line, and jwks never creates a missing key', async () => {
    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, readFileSync(configFile, 'utf8').replace('file://keys/postgrest.jwks.json', 'file://keys/broken.jwks.json').replace(/\n {8}failing:.*\n/, '\n'));
    writeFileSync(join(dir, 'keys', 'broken.jwks.json'), '{"keys":[{"kty":"OKP"');
    const serve = await tessera('serve', '-c', broken);
    assert.equal(serve.code, 1);
    assert.equal(serve.stderr.trim().split('\n').length, 1, serve.stderr);
    assert.match(serve.stderr, /^tessera: invalid configuration: .*broken\.yml: session\.whoami\.tokenizer\.templates\.postgrest\.jwks_url: template "postgrest", key file .*broken\.jwks\.json: failed to parse JWK set/);

    const missing = join(dir, 'missing.yml');
    writeFileSync(missing, readFileSync(configFile, 'utf8').replace('file://keys/postgrest.jwks.json', 'file://keys/absent.jwks.json'));
    const jwks = await tessera('jwks', '-c', missing);
    assert.equal(jwks.code, 1);
    assert.match(jwks.stderr, /absent\.jwks\.json: does not exist/);
    assert.equal(existsSync(join(dir, 'keys', 'absent.jwks.json')), false);
  });

  it('tessera serve and jwks name a malformed key file without quoting the key in it', async () => {
    const jwks = await generatePrivateJwks('EdDSA');
    const secret = String(jwks.keys[0]?.d);
    // One missing quote next to the private value: V8's JSON.parse message would show the text around it.
    writeFileSync(join(dir, 'keys', 'malformed.jwks.json'), JSON.stringify(jwks, null, 2).replace(`"${secret}"`, secret), { mode: 0o600 });
    const malformed = join(dir, 'malformed.yml');
    writeFileSync(malformed, readFileSync(configFile, 'utf8').replace('file://keys/postgrest.jwks.json', 'file://keys/malformed.jwks.json').replace(/\n {8}failing:.*\n/, '\n'));
    for (const outcome of [await tessera('serve', '-c', malformed), await tessera('jwks', '-c', malformed)]) {
      assert.equal(outcome.code, 1);
      assert.match(outcome.stderr, /malformed\.jwks\.json: failed to parse JWK set the file is not valid JSON at line \d+, column \d+/);
      for (const text of [outcome.stderr, outcome.stdout]) assert.ok(!text.includes(secret.slice(0, 10)) && !text.includes(secret.slice(-10)), `the key leaks into the output: ${text}`);
    }
  });
});
