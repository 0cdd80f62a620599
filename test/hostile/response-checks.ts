import assert from 'node:assert/strict';
import type { Config } from '../../src/config/types.js';

/** What a test sent, to tell "the server leaked X" from "the server echoed the X the client sent". */
export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Signs that internals reached a response: stack frames, source files, installation paths. */
const LEAK_MARKERS: Array<[string, RegExp]> = [
  ['stack frame', /\n\s+at [^\n]*[:(][^\n]*\d+:\d+/],
  ['V8 stack frame', /\bat (?:async )?[\w$.<>]+ \((?:file:\/\/|\/|node:)[^)]*:\d+:\d+\)/],
  ['node internals', /node:internal\//],
  ['node_modules path', /node_modules/],
  ['TypeScript source', /\b[\w-]+\.ts:\d+/],
  ['working directory', new RegExp(escapeRegExp(process.cwd()))],
  ['error class name', /\b(?:TypeError|ReferenceError|RangeError|SqliteError|SyntaxError: Unexpected end)\b/],
  ['SQL text', /\b(?:SQLITE_[A-Z]+|no such table|syntax error at or near|UNIQUE constraint failed)\b/],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Where redirects may point: same-origin paths and the URLs the configuration names (base URLs, UI URLs,
 * allowed return URLs). Anything else in a Location header is an open redirect.
 */
export interface ResponseRules {
  redirectPrefixes: readonly string[];
}

/**
 * Everything any response must satisfy: no 5xx; no internals in the body (unless the client sent that very text
 * and it is being echoed back); redirects only to configured places; parseable JSON wherever JSON is declared;
 * and for 4xx either herodot's `{"error":{...}}` with a matching code or, where Kratos does so, the flow with its
 * messages (browser-facing pages may answer errors as HTML).
 */
export async function assertCleanResponse(response: Response, sent: SentRequest, rules?: ResponseRules): Promise<unknown> {
  const text = await response.text();
  const where = `${sent.method} ${sent.url.slice(0, 200)} -> ${response.status} ${text.slice(0, 400)}`;
  assert.ok(response.status < 500, `server error for ${where}`);
  const sentText = `${sent.url}\n${JSON.stringify(sent.headers)}\n${sent.body ?? ''}`;
  for (const [name, marker] of LEAK_MARKERS) {
    const found = marker.exec(text);
    if (found && !sentText.includes(found[0]) && !marker.test(decodeSafely(sentText))) assert.fail(`${name} in the body: ${where}`);
  }
  const location = response.headers.get('location');
  if (location !== null && rules) {
    const allowed = location.startsWith('/') ? !location.startsWith('//') : rules.redirectPrefixes.some((prefix) => location.startsWith(prefix));
    assert.ok(allowed, `redirect to ${location} (open redirect?): ${where}`);
  }
  const type = response.headers.get('content-type') ?? '';
  const isJson = /^application\/(?:[\w.+-]+\+)?json\b/.test(type);
  if (text === '') {
    assert.ok([204, 304].includes(response.status) || (response.status >= 300 && response.status < 400) || sent.method === 'HEAD', `an empty body needs a 204 or a redirect: ${where}`);
    return undefined;
  }
  if (response.status >= 400 && /^text\/html\b/.test(type)) return text;
  if (response.status >= 400) assert.ok(isJson, `JSON content type for an error: ${where}`);
  if (!isJson) return text;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`the body is not JSON: ${where}`);
  }
  if (response.status >= 400) assertErrorShape(response.status, body, where);
  return body;
}

/** The redirect targets a configuration allows. */
export function redirectPrefixesOf(config: Config): string[] {
  const { serve, selfservice } = config;
  const flows = selfservice.flows;
  return [
    serve.public.base_url,
    serve.admin.base_url,
    selfservice.default_browser_return_url,
    ...selfservice.allowed_return_urls,
    flows.login.ui_url,
    flows.registration.ui_url,
    flows.error.ui_url,
    ...[flows.login.after.default_browser_return_url, flows.registration.after.default_browser_return_url, flows.logout.after.default_browser_return_url].filter((url): url is string => url !== undefined),
  ];
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * herodot's error container, or a self-service flow: 400 with messages, as Kratos answers validation errors, or
 * 422 from the session token exchange when the sign-in ended on a form (the app shows that flow).
 */
export function assertErrorShape(status: number, body: unknown, where = ''): void {
  assert.ok(typeof body === 'object' && body !== null && !Array.isArray(body), `an object: ${where}`);
  const record = body as Record<string, unknown>;
  if ('error' in record) {
    const error = record.error as Record<string, unknown>;
    assert.equal(typeof error, 'object', where);
    assert.equal(error.code, status, `error.code matches the status: ${where}`);
    assert.equal(typeof error.status, 'string', where);
    assert.equal(typeof error.message, 'string', where);
    if ('reason' in error) assert.equal(typeof error.reason, 'string', where);
    if ('id' in error) assert.match(String(error.id), /^[a-z0-9_]+$/, where);
    return;
  }
  assert.ok(status === 400 || (status === 422 && where.includes('/sessions/token-exchange')), `only a 400 (or the token exchange's 422) may carry a flow instead of an error: ${where}`);
  assertFlowShape(record, where);
}

export function assertFlowShape(flow: Record<string, unknown>, where = ''): void {
  for (const key of ['id', 'type', 'expires_at', 'issued_at', 'request_url', 'ui', 'state']) assert.ok(key in flow, `flow has ${key}: ${where}`);
  const ui = flow.ui as { nodes: Array<{ messages: unknown; attributes: { node_type: string } }>; messages?: unknown };
  assert.ok(Array.isArray(ui.nodes), `ui.nodes is an array: ${where}`);
  for (const node of ui.nodes) {
    assert.ok(Array.isArray(node.messages), `every node has a messages array (the SDK maps over it): ${where}`);
    assert.ok(['a', 'div', 'img', 'input', 'script', 'text'].includes(node.attributes.node_type), where);
  }
  if (ui.messages !== undefined) assert.ok(Array.isArray(ui.messages), where);
}
