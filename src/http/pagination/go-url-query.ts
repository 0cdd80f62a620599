/**
 * Query strings written the way Go's `url.Values.Encode()` writes them: keys sorted, each value escaped with
 * `url.QueryEscape` (space as `+`, only `A-Za-z0-9-_.~` left as is). Kratos builds its pagination `Link` headers
 * this way from the request URL, so links match Kratos's byte for byte.
 */
export function goQueryEscape(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function goEncodeQuery(params: URLSearchParams): string {
  const keys = [...new Set(params.keys())].sort();
  return keys.flatMap((key) => params.getAll(key).map((value) => `${goQueryEscape(key)}=${goQueryEscape(value)}`)).join('&');
}

/** `<path?query>; rel="name"` with `overrides` set on a copy of the request's query, as Go's `q.Set` does. */
export function linkTo(requestUrl: URL, rel: string, overrides: Record<string, string>): string {
  const params = new URLSearchParams(requestUrl.search);
  for (const [key, value] of Object.entries(overrides)) params.set(key, value);
  return `<${requestUrl.pathname}?${goEncodeQuery(params)}>; rel="${rel}"`;
}
