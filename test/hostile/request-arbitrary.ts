import fc from 'fast-check';
import { contentType, headerValue, hostileString } from './arbitraries.js';
import { genericBody, hintsFor, type Endpoint, type Pools } from './endpoint-catalogue.js';

export interface HostileRequest {
  method: string;
  /** Path and query, to be resolved against the app's origin. May contain FRESH_FLOW_ID. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * Stands for "a flow created just before sending": pooled flows get used up (a successful submit completes its
 * flow), and only fresh ones let a submit reach the password check and the writes behind it.
 */
export const FRESH_FLOW_ID = 'fresh-flow-id';

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/**
 * One request against `endpoint`: its path parameters, query and body drawn from hostile values (and now and then
 * from real ids, so that it gets past lookups), hostile credentials in every place a session token is read, and
 * a content type that may or may not match the body.
 */
export function hostileRequest(endpoint: Endpoint, pools: Pools, adminKey: string): fc.Arbitrary<HostileRequest> {
  const hints = hintsFor(endpoint);
  const pooled = hints.pathParamPool ? pools[hints.pathParamPool] : [];
  const pathParam = fc.oneof(
    { weight: 4, arbitrary: (pooled.length > 0 ? fc.oneof(fc.constantFrom(...pooled), hostileString) : hostileString).map(encodeSegment) },
    // Sent as they are: broken percent-encodings, encoded NUL and dots, slashes in a parameter.
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%ED%A0%80', '%C0%AE%C0%AE', '%00', '..', '%2e%2e', '%2F..%2F', 'a%2Fb', '%FF%FE') },
  );
  const path = fc.array(pathParam, { minLength: 8, maxLength: 8 }).map((segments) => fillPath(endpoint.path, segments));

  const queryNames = [...(hints.query ?? [])];
  const queryValue = fc.oneof(hostileString, fc.constantFrom('true', 'false', '1', '0', 'aal1', 'aal2', 'postgrest'));
  const aimedQueryValues = hints.queryValues?.(pools);
  const valueFor = (name: string): fc.Arbitrary<string> => {
    const aimed = aimedQueryValues?.[name];
    return aimed ? fc.oneof({ weight: 3, arbitrary: aimed }, { weight: 1, arbitrary: queryValue }) : queryValue;
  };
  const flowIds = hints.flowParam ? (hints.flowParam.kind === 'login' ? pools.loginFlowIds : pools.registrationFlowIds) : [];
  const query = fc
    .tuple(
      fc.subarray(queryNames).chain((names) => fc.tuple(...names.map((name) => fc.tuple(fc.constant(name), valueFor(name))))),
      hints.flowParam
        ? fc.option(fc.oneof({ weight: 6, arbitrary: fc.constant(FRESH_FLOW_ID) }, { weight: 3, arbitrary: fc.constantFrom(...flowIds) }, { weight: 1, arbitrary: hostileString }), { nil: undefined, freq: 10 })
        : fc.constant(undefined),
      fc.array(fc.tuple(hostileString, hostileString), { maxLength: 2 }),
    )
    .map(([known, flow, extra]) => {
      const params = new URLSearchParams();
      if (hints.flowParam && flow !== undefined) params.append(hints.flowParam.name, flow);
      for (const [name, value] of [...known, ...extra]) params.append(name, value);
      const text = params.toString();
      return text === '' ? '' : `?${text}`;
    });

  const method = fc.oneof({ weight: 9, arbitrary: fc.constant(endpoint.method) }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) });
  const bodyValue = hints.body ? fc.oneof({ weight: 4, arbitrary: hints.body(pools) }, { weight: 1, arbitrary: genericBody }) : genericBody;
  const body = fc.oneof(
    { weight: 12, arbitrary: bodyValue.map((value) => ({ kind: 'json' as const, text: JSON.stringify(value) ?? 'null' })) },
    { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 4 }).map((fields) => ({ kind: 'form' as const, text: new URLSearchParams(fields).toString() })) },
    { weight: 1, arbitrary: hostileString.map((text) => ({ kind: 'raw' as const, text })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

  const token = fc.oneof(pools.sessionTokens.length > 0 ? fc.constantFrom(...pools.sessionTokens) : headerValue, headerValue);
  const credentials = fc.record(
    {
      'x-session-token': token,
      authorization: fc.oneof(token.map((t) => `Bearer ${t}`), headerValue),
      cookie: fc.oneof(token.map((t) => `ory_kratos_session=${encodeURIComponent(t)}`), headerValue),
    },
    { requiredKeys: [] },
  );
  const key = hints.bearer ? hints.bearer(pools) : adminKey;
  const adminAuthorization = fc.oneof({ weight: 6, arbitrary: fc.constant(`Bearer ${key}`) }, { weight: 1, arbitrary: headerValue }, { weight: 1, arbitrary: fc.constant(undefined) });
  const otherHeaders = fc.record(
    {
      'x-request-id': headerValue,
      'x-forwarded-for': fc.oneof(fc.ipV4(), fc.ipV6(), headerValue),
      accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/x-www-form-urlencoded'),
      'user-agent': headerValue,
    },
    { requiredKeys: [] },
  );
  // Now and then only: an Origin or Cookie header alone makes an API-flow submit stop at the misuse check.
  const rarely = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
  const jsonMostly = hints.body ? fc.oneof({ weight: 3, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: contentType }) : contentType;

  return fc.record({ method, path, query, body, contentType: jsonMostly, credentials: rarely(credentials), origin: rarely(headerValue), adminAuthorization, otherHeaders }).map((r) => {
    const headers: Record<string, string> = { ...r.otherHeaders, ...(endpoint.app === 'public' ? r.credentials : {}) };
    if (r.origin !== undefined) headers.origin = r.origin;
    if (endpoint.app === 'admin' && r.adminAuthorization !== undefined) headers.authorization = r.adminAuthorization;
    const hasBody = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD';
    if (hasBody && r.contentType !== undefined) headers['content-type'] = r.contentType;
    return { method: r.method, url: `${r.path}${r.query}`, headers, body: hasBody ? r.body?.text : undefined };
  });
}

/** Replaces `:name` and `*` in a Hono path with the given (already encoded) segments. */
function fillPath(template: string, segments: string[]): string {
  let index = 0;
  const next = (): string => segments[index++ % segments.length] ?? '';
  return template.replace(/:[A-Za-z_][A-Za-z0-9_]*(\{[^}]*\})?/g, next).replace(/\*/g, next);
}

/** Percent-encodes a value; lone surrogates (which encodeURIComponent refuses) go out as their raw WTF-8 bytes. */
export function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...value].map((ch) => (ch.length === 1 && ch.charCodeAt(0) >= 0xd800 && ch.charCodeAt(0) <= 0xdfff ? wtf8(ch.charCodeAt(0)) : encodeURIComponent(ch))).join('');
  }
}

function wtf8(code: number): string {
  return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
}

