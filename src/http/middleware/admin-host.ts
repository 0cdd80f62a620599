import { isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import type { Config } from '../../config/types.js';
import { misdirectedRequest } from '../../errors/kratos-error.js';
import type { AppEnv } from '../app-env.js';

/**
 * The admin API answers only to names it knows, against DNS rebinding: a page on `evil.example` whose name starts
 * resolving to 127.0.0.1 can make the browser of someone on the admin API's machine send requests to it, as
 * same-origin requests of `evil.example`, so it reads the answers. Those requests carry `Host: evil.example`.
 *
 * Known names, on any port: `localhost`; every IP literal (a rebound request always names the attacker's domain,
 * never an address, so containers and probes that call an address keep working); the host of
 * `serve.admin.base_url` and `serve.admin.host`; and `tessera.admin.allowed_hosts` (exact names, or `*.example.com`
 * for its subdomains), for deployments that call the admin API by another name, such as a Docker service name.
 * A request without `Host` (HTTP/1.0) comes from no browser and passes.
 */
export function adminHostCheck(config: Config, exemptPaths: readonly string[] = []): MiddlewareHandler<AppEnv> {
  const isKnown = knownAdminHosts(config);
  return async function adminHostMiddleware(c, next) {
    const host = c.req.header('host');
    if (host === undefined || exemptPaths.includes(c.req.path) || isKnown(host)) return next();
    throw misdirectedRequest('The admin API does not answer to this Host. Call it by a name it knows, or add the name to tessera.admin.allowed_hosts.');
  };
}

/** Whether a `Host` header value (name or address, optional port) names the admin API. */
export function knownAdminHosts(config: Config): (hostHeader: string) => boolean {
  const exact = new Set(['localhost', ...configuredNames(config)]);
  const suffixes: string[] = [];
  for (const entry of config.tessera.admin.allowed_hosts) {
    if (entry.startsWith('*.')) suffixes.push(entry.slice(1));
    else exact.add(entry);
  }
  return (hostHeader) => {
    const name = hostnameOf(hostHeader.trim().toLowerCase());
    if (name === null) return false;
    if (exact.has(name) || isIP(name) !== 0) return true;
    return suffixes.some((suffix) => name.endsWith(suffix) && name.length > suffix.length);
  };
}

/** The name in `name`, `name:port`, `[v6]` or `[v6]:port`; null when it is none of these. */
function hostnameOf(value: string): string | null {
  const bracketed = /^\[([0-9a-f:.]+)\](?::[0-9]{1,5})?$/.exec(value);
  if (bracketed) return isIP(bracketed[1] as string) === 6 ? (bracketed[1] as string) : null;
  const plain = /^([^:[\]]+)(?::[0-9]{1,5})?$/.exec(value);
  return plain ? (plain[1] as string) : null;
}

function configuredNames(config: Config): string[] {
  const names: string[] = [];
  try {
    names.push(new URL(config.serve.admin.base_url).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase());
  } catch {
    // A base URL that does not parse names nothing (the config schema requires a URI when it is set).
  }
  const bound = config.serve.admin.host.toLowerCase();
  if (bound !== '' && bound !== '0.0.0.0' && bound !== '::') names.push(bound);
  return names;
}
