// test-stores: none
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isJsonRequest, prefersHtml } from '../../src/http/content-negotiation.js';
import type { TraitField } from '../../src/identity/identity-schemas.js';
import { csrfTokenMatches, generateCsrfToken, maskCsrfToken } from '../../src/selfservice/csrf-token.js';
import { nestFormFields } from '../../src/selfservice/form-fields.js';
import { deriveLogoutToken, logoutTokenMatches } from '../../src/session/logout-token.js';
import { generateToken, SESSION_TOKEN_PREFIX } from '../../src/session/session-token.js';

const field = (path: string, type: string): TraitField => ({ path, type, format: undefined, title: undefined, required: false, pattern: undefined, extension: {} });

describe('form fields to a submit body', () => {
  it('nests dotted names and converts traits to their schema types', () => {
    const body = nestFormFields(
      { method: 'password', password: 'p', csrf_token: 't', 'traits.email': 'a@example.org', 'traits.name.first': 'Ada', 'traits.age': '36', 'traits.newsletter': 'true', 'traits.score': 'lots' },
      [field('email', 'string'), field('name.first', 'string'), field('age', 'integer'), field('newsletter', 'boolean'), field('score', 'number')],
    );
    assert.deepEqual(body, {
      method: 'password',
      password: 'p',
      csrf_token: 't',
      traits: { email: 'a@example.org', name: { first: 'Ada' }, age: 36, newsletter: true, score: 'lots' },
    });
  });

  it('drops empty traits and refuses prototype-polluting names', () => {
    const body = nestFormFields({ 'traits.email': '', '__proto__.polluted': 'yes', 'traits.constructor.prototype.x': '1', 'a..b': '1' }, []);
    assert.deepEqual(body, {});
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('CSRF token masking', () => {
  it('unmasks every mask of the same token, and nothing else', () => {
    const real = generateCsrfToken();
    const a = maskCsrfToken(real);
    const b = maskCsrfToken(real);
    assert.notEqual(a, b);
    assert.ok(csrfTokenMatches(real, a));
    assert.ok(csrfTokenMatches(real, b));
    assert.equal(csrfTokenMatches(generateCsrfToken(), a), false);
    assert.equal(csrfTokenMatches(real, real), false, 'the unmasked token is not accepted');
    for (const junk of [undefined, null, 42, '', 'x'.repeat(5000), '!!!!']) assert.equal(csrfTokenMatches(real, junk), false);
    assert.equal(csrfTokenMatches(null, a), false);
  });
});

describe('logout tokens', () => {
  it('are derived from the session token: stable, Kratos-shaped, and different per session', () => {
    const token = generateToken(SESSION_TOKEN_PREFIX);
    const logout = deriveLogoutToken(token);
    assert.match(logout, /^ory_lo_[A-Za-z0-9]{43}$/);
    assert.equal(deriveLogoutToken(token), logout);
    assert.notEqual(deriveLogoutToken(generateToken(SESSION_TOKEN_PREFIX)), logout);
    assert.ok(logoutTokenMatches(token, logout));
    assert.equal(logoutTokenMatches(token, `${logout}x`), false);
    assert.equal(logoutTokenMatches(token, ''), false);
  });
});

describe('content negotiation', () => {
  const headers = (values: Record<string, string>): Headers => new Headers(values);
  it('treats JSON bodies and JSON-preferring Accept headers as JSON requests, everything else as a browser', () => {
    assert.equal(isJsonRequest(headers({ 'content-type': 'application/json; charset=utf-8' })), true);
    assert.equal(isJsonRequest(headers({ accept: 'application/json' })), true);
    assert.equal(isJsonRequest(headers({ accept: 'application/json, text/plain, */*' })), true);
    assert.equal(isJsonRequest(headers({ accept: 'text/html,application/xhtml+xml,*/*;q=0.8' })), false);
    assert.equal(isJsonRequest(headers({ accept: '*/*' })), false);
    assert.equal(isJsonRequest(headers({})), false);
    assert.equal(isJsonRequest(headers({ accept: 'text/html;q=0.1, application/json;q=0.9' })), true);
  });
  it('shows pages only to clients that prefer HTML', () => {
    assert.equal(prefersHtml(headers({ accept: 'text/html,application/xhtml+xml,*/*;q=0.8' })), true);
    assert.equal(prefersHtml(headers({ accept: '*/*' })), false);
    assert.equal(prefersHtml(headers({})), false);
    assert.equal(prefersHtml(headers({ accept: 'application/json' })), false);
  });
});
