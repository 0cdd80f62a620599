import { badRequest, invalidPageToken, invalidUuidParameter } from '../../errors/kratos-error.js';
import { isUuid } from '../../text/uuid.js';

const DEFAULT_PAGE_SIZE = 250;
const MAX_PAGE_SIZE = 500;
const MAX_IDS = 500;
/** Kratos refuses legacy page pagination beyond this many items. */
const PAGE_PAGINATION_LIMIT = 1000;

export type IdentityPagination =
  | { kind: 'keyset'; pageSize: number; after: string | undefined; linkUrl: URL }
  | { kind: 'page'; page: number; perPage: number };

export interface IdentityListQuery {
  ids?: string[];
  credentialsIdentifier?: string;
  organizationId?: string;
  pagination: IdentityPagination;
}

/**
 * `GET /admin/identities` parameters as Kratos reads them (parseListIdentitiesParameters and
 * x.ParseKeysetOrPagePagination): at most one filter, keyset pagination by default (a lone `per_page` is read as
 * `page_size`), legacy `page`/`per_page` when `page` is given.
 */
export function parseIdentityListQuery(requestUrl: URL): IdentityListQuery {
  const params = requestUrl.searchParams;
  const query: IdentityListQuery = { pagination: { kind: 'page', page: 0, perPage: DEFAULT_PAGE_SIZE } };
  let filters = 0;
  const ids = params.getAll('ids');
  if (ids.length > 0) {
    filters++;
    for (const id of ids) if (!isUuid(id)) throw invalidUuidParameter(id, 'ids');
    if (ids.length > MAX_IDS) throw badRequest('The number of ids to filter must not exceed 500.');
    query.ids = ids.map((id) => id.toLowerCase());
  }
  const organizationId = params.get('organization_id');
  if (organizationId) {
    filters++;
    if (!isUuid(organizationId)) throw invalidUuidParameter(organizationId, 'organization_id');
    query.organizationId = organizationId;
  }
  const identifier = params.get('credentials_identifier');
  if (identifier) {
    filters++;
    query.credentialsIdentifier = identifier;
  }
  if (params.get('preview_credentials_identifier_similar')) {
    throw badRequest('The preview_credentials_identifier_similar filter is not supported by Tessera; use credentials_identifier.');
  }
  if (filters > 1) throw badRequest('You cannot combine multiple filters in this API');
  query.pagination = parsePagination(requestUrl);
  return query;
}

function parsePagination(requestUrl: URL): IdentityPagination {
  const params = requestUrl.searchParams;
  if (!params.has('page_token') && !params.has('page_size') && params.has('page')) {
    const page = Math.max(0, goParseIntOr(params.get('page'), 0));
    const perPage = Math.min(MAX_PAGE_SIZE, Math.max(1, goParseIntOr(params.get('per_page'), DEFAULT_PAGE_SIZE)));
    if (page * perPage > PAGE_PAGINATION_LIMIT) {
      throw badRequest(`Legacy pagination is not supported for enumerating over ${PAGE_PAGINATION_LIMIT} items. Please switch to using page_token and page_size.`);
    }
    return { kind: 'page', page, perPage };
  }
  const effective = new URLSearchParams(params);
  // Kratos rewrites a lone `per_page` into `page_size`, and its Link header shows the rewritten query.
  if (effective.has('per_page') && !effective.has('page_size')) {
    effective.set('page_size', effective.get('per_page') ?? '');
    effective.delete('per_page');
  }
  const rawSize = effective.getAll('page_size').find((v) => v !== '');
  let pageSize = DEFAULT_PAGE_SIZE;
  if (rawSize !== undefined) {
    if (!/^[+-]?[0-9]+$/.test(rawSize)) throw badRequest(`strconv.Atoi: parsing ${JSON.stringify(rawSize)}: invalid syntax`);
    const size = Number(rawSize);
    pageSize = size <= 0 ? DEFAULT_PAGE_SIZE : Math.min(size, MAX_PAGE_SIZE);
  }
  const token = effective.getAll('page_token').find((v) => v !== '');
  if (token !== undefined && !isUuid(token)) throw invalidPageToken();
  const linkUrl = new URL(requestUrl);
  linkUrl.search = effective.toString();
  return { kind: 'keyset', pageSize, after: token && !/^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(token) ? token.toLowerCase() : undefined, linkUrl };
}

/** Go's strconv.ParseInt with a fallback, as oryx's page paginator uses it. */
function goParseIntOr(raw: string | null, fallback: number): number {
  if (raw === null || raw === '' || !/^[+-]?[0-9]+$/.test(raw)) return fallback;
  return Number(raw);
}
