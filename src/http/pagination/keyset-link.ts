import { linkTo } from './go-url-query.js';

/**
 * Kratos's keyset pagination `Link` header (oryx keysetpagination.Header): `first` with the default token, and
 * `next` with the last item's token unless this is the last page; comma-separated without a space.
 */
export function keysetLinkHeader(requestUrl: URL, pageSize: number, firstToken: string, nextToken: string | null): string {
  const links = [linkTo(requestUrl, 'first', { page_token: firstToken, page_size: String(pageSize) })];
  if (nextToken !== null) links.push(linkTo(requestUrl, 'next', { page_token: nextToken, page_size: String(pageSize) }));
  return links.join(',');
}
