/**
 * Kratos's x.IsJSONRequest: a request wants JSON when it sends JSON, or when its Accept header prefers
 * `application/json` over `text/html` (ties and wildcards go to HTML, so a plain browser navigation or a
 * form post gets redirects).
 */
export function isJsonRequest(headers: Headers): boolean {
  const contentType = (headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType === 'application/json') return true;
  return preferred(headers.get('accept'), ['text/html', 'application/json']) === 'application/json';
}

/** True when a browser navigation asks for a page (used to show errors as HTML instead of JSON). */
export function prefersHtml(headers: Headers): boolean {
  const accept = headers.get('accept');
  return accept !== null && preferred(accept, ['application/json', 'text/html']) === 'text/html';
}

/** The best of `offers` for an Accept header (q-values, then specificity); the first offer wins a tie. */
function preferred(accept: string | null, offers: readonly string[]): string | null {
  if (!accept) return offers[0] ?? null;
  const ranges = accept
    .split(',')
    .slice(0, 32)
    .map((part) => {
      const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      const quality = q ? Number(q.slice(2)) : 1;
      return { range, quality: Number.isFinite(quality) ? quality : 0 };
    });
  let best: string | null = null;
  let bestQuality = 0;
  let bestSpecificity = -1;
  for (const offer of offers) {
    const [type] = offer.split('/');
    for (const { range, quality } of ranges) {
      const specificity = range === offer ? 2 : range === `${type}/*` ? 1 : range === '*/*' ? 0 : -1;
      if (specificity < 0 || quality <= 0) continue;
      if (quality > bestQuality || (quality === bestQuality && specificity > bestSpecificity)) {
        best = offer;
        bestQuality = quality;
        bestSpecificity = specificity;
      }
    }
  }
  return best;
}
