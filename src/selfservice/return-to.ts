import { joinUrl } from '../config/join-url.js';
import type { Config } from '../config/types.js';
import { badRequest } from '../errors/kratos-error.js';

/**
 * Open-redirect protection for `return_to` (Kratos's x.SecureRedirectTo). A target is allowed when some entry of
 * `selfservice.allowed_return_urls` (or the public URL's `/self-service` endpoints) has the same scheme, the same
 * host (`*.example.com` matches subdomains) and a path that the target's path starts with.
 *
 * One deliberate difference: Kratos compares paths as plain string prefixes, so an allowed `/app` also admits
 * `/application`. Here a prefix must end at a path segment boundary.
 */
export function allowedReturnTo(config: Config, raw: string | null | undefined, fallback: string): string {
  const value = raw?.trim() ?? '';
  if (value === '') return fallback;
  let target: URL;
  try {
    // Relative targets take scheme and host from the default return URL, as in Kratos.
    target = new URL(value, fallback);
  } catch {
    throw badRequest(`Unable to parse the return_to query parameter as an URL: ${JSON.stringify(value)}`);
  }
  const allowList = [...config.selfservice.allowed_return_urls, joinUrl(config.serve.public.base_url, 'self-service')];
  if (allowList.some((entry) => matches(target, entry))) return target.href;
  throw badRequest(`Requested return_to URL "${target.href}" is not allowed.`, { id: 'self_service_flow_return_to_forbidden' });
}

function matches(target: URL, entry: string): boolean {
  const allowed = parseAllowEntry(entry);
  if (!allowed) return false;
  if (allowed.protocol !== target.protocol) return false;
  if (!hostMatches(target.host.toLowerCase(), allowed.host)) return false;
  const prefix = allowed.path;
  const path = target.pathname || '/';
  return prefix === '/' || path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

/** Allow-list entries may hold a `*.` wildcard host, which WHATWG URL parsing would reject or mangle. */
function parseAllowEntry(entry: string): { protocol: string; host: string; path: string } | null {
  const match = /^([a-z][a-z0-9+.-]*:)\/\/([^/?#]*)([^?#]*)/i.exec(entry.trim());
  if (!match) return null;
  const [, protocol, authority, path] = match as unknown as [string, string, string, string];
  const host = authority.slice(authority.lastIndexOf('@') + 1).toLowerCase();
  if (host.startsWith('*.')) return { protocol: protocol.toLowerCase(), host, path: path || '/' };
  try {
    const url = new URL(entry.trim());
    return { protocol: url.protocol, host: url.host.toLowerCase(), path: url.pathname || '/' };
  } catch {
    return null;
  }
}

function hostMatches(targetHost: string, allowedHost: string): boolean {
  if (allowedHost.startsWith('*.')) return targetHost.endsWith(allowedHost.slice(1));
  return targetHost === allowedHost;
}
