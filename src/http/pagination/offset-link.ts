import { linkTo } from './go-url-query.js';

/** Writes one link of a page-pagination header for a given page size and row offset. */
export type OffsetLinkFormatter = (requestUrl: URL, rel: string, itemsPerPage: number, offset: number) => string;

/** Kratos's legacy `page`/`per_page` links on `GET /admin/identities` (oryx pagepagination). */
export const pagePaginationLink: OffsetLinkFormatter = (url, rel, itemsPerPage, offset) =>
  linkTo(url, rel, { per_page: String(itemsPerPage), page: String(Math.trunc(offset / itemsPerPage)) });

/** The links of `GET /admin/identities/{id}/sessions`, which carry both styles (oryx migrationpagination). */
export const migrationPaginationLink: OffsetLinkFormatter = (url, rel, itemsPerPage, offset) =>
  linkTo(url, rel, {
    page_size: String(itemsPerPage),
    page_token: Buffer.from(`{"offset":"${offset}","v":2}`).toString('base64url'),
    per_page: String(itemsPerPage),
    page: String(Math.trunc(offset / itemsPerPage)),
  });

export interface OffsetLinkHeaders {
  link: string;
  totalCount: string;
}

/**
 * oryx pagination.HeaderWithFormatter, ported as is (including its quirks: a single `first` link sized to the
 * total when everything fits on one page, and `prev` links below zero on an empty result).
 */
export function offsetLinkHeaders(requestUrl: URL, total: number, page: number, itemsPerPage: number, format: OffsetLinkFormatter): OffsetLinkHeaders {
  const perPage = itemsPerPage <= 0 ? 1 : itemsPerPage;
  const offset = page * perPage;
  const lastOffset = total % perPage === 0 ? total - perPage : Math.trunc(total / perPage) * perPage;
  const totalCount = String(total);
  const links = (...entries: Array<[string, number, number]>): OffsetLinkHeaders => ({
    link: entries.map(([rel, size, at]) => format(requestUrl, rel, size, at)).join(','),
    totalCount,
  });
  const pageIndex = Math.trunc(offset / perPage);
  if (offset >= lastOffset) {
    if (total === 0) return links(['first', perPage, 0], ['next', perPage, (pageIndex + 1) * perPage], ['prev', perPage, (pageIndex - 1) * perPage]);
    if (total <= perPage) return links(['first', total, 0]);
    return links(['first', perPage, 0], ['prev', perPage, lastOffset - perPage]);
  }
  if (offset < perPage) return links(['next', perPage, perPage], ['last', perPage, lastOffset]);
  return links(['first', perPage, 0], ['next', perPage, (pageIndex + 1) * perPage], ['prev', perPage, (pageIndex - 1) * perPage], ['last', perPage, lastOffset]);
}
