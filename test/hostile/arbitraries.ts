import fc from 'fast-check';

/**
 * Inputs an attacker would try, as fast-check arbitraries: injection strings for every interpreter that might be
 * behind a field (SQL, HTML, templates, Jsonnet, shells, paths), encodings that trip normalization (NUL, lone
 * surrogates, bidi overrides, compatibility forms, BOM), extreme lengths and numbers, and JSON of the wrong type.
 */
export const INJECTION_STRINGS: readonly string[] = [
  "' OR '1'='1",
  "'; DROP TABLE identities; --",
  '" OR 1=1 --',
  "1; SELECT sqlite_version(); --",
  "%' UNION SELECT token_hash, 1, 1 FROM sessions --",
  "admin'--",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{7*7}}',
  '${7*7}',
  '#{7*7}',
  'std.extVar("session")',
  'import "/etc/passwd"',
  '../../../../etc/passwd',
  'https://evil.example/steal',
  '//evil.example/steal',
  '/\\evil.example/steal',
  'javascript:alert(1)',
  'http://localhost:4433.evil.example/',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '%00',
  '%E0%A4%A',
  '\u0000',
  'a\u0000b@example.org',
  '\r\nSet-Cookie: pwned=1',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '$(id)',
  '`id`',
  '| cat /etc/passwd',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '-0',
  '0x7fffffff',
  '9'.repeat(400),
  `ory_st_${'A'.repeat(43)}`,
  'eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiJ9.',
  '\u202eevil\u202c@example.org',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '𝕒𝕕𝕞𝕚𝕟@example.org',
  'ﬁ@example.org',
  'ＡＤＭＩＮ＠ｅｘａｍｐｌｅ．ｏｒｇ',
  'İ@example.org',
  'ß@example.org',
  '\uFEFFbom@example.org',
  '\u0085\u2028\u2029',
  '😀'.repeat(200),
  'a'.repeat(10_000),
  ' ',
  '',
  '\t\n',
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INJECTION_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.oneof(loneSurrogate, fc.constantFrom('\u0000', 'a', '@')), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.emailAddress() },
  { weight: 1, arbitrary: fc.uuid() },
);

/** Nesting around a leaf: deep enough to hit the 32-level guard sometimes, never deep enough to be slow. */
export const deepJson: fc.Arbitrary<unknown> = fc.integer({ min: 1, max: 80 }).map((depth) => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { nested: value };
  return value;
});

/** Any JSON value, weighted towards the kinds that break type assumptions. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }) },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** A header value a client can actually send: Latin-1 without control characters (fetch refuses the rest). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...INJECTION_STRINGS.filter(isSendableHeader)),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 300 }),
);

export function isSendableHeader(value: string): boolean {
  return [...value].every((ch) => {
    const code = ch.charCodeAt(0);
    return ch.length === 1 && code >= 0x20 && code <= 0xff && code !== 0x7f;
  });
}

export const contentType: fc.Arbitrary<string | undefined> = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/merge-patch+json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=----x',
  'application/xml',
  '*/*',
  'application/json, text/html',
  undefined,
);
