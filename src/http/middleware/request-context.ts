import { randomUUID } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { createAccessLog } from '../../logging/access-log.js';
import type { AppEnv } from '../app-env.js';

/**
 * Per-request basics: the request id (echoed from `X-Request-ID`, as herodot does), the client address and
 * user agent, and one structured log line per request. The query string is never logged: it can carry tokens
 * (`/self-service/logout?token=`).
 */
export function requestContext(logger: Logger, trustedProxies: readonly string[]): MiddlewareHandler<AppEnv> {
  const trusted = trustedProxyList(trustedProxies);
  const accessLog = createAccessLog(logger);
  return async function requestContextMiddleware(c, next) {
    const started = performance.now();
    const incomingId = c.req.header('x-request-id');
    const requestId = incomingId && incomingId.length <= 128 ? incomingId : undefined;
    c.set('requestId', requestId);
    const remote = c.env?.incoming?.socket?.remoteAddress ?? null;
    c.set('client', { ip: clientIp(remote, c.req.header('x-forwarded-for'), trusted), userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null });
    await next();
    accessLog?.({
      // Every log line has a request id; the client's own X-Request-ID is used when it sent one.
      requestId: requestId ?? randomUUID(),
      method: c.req.method,
      path: c.req.path.length > 256 ? `${c.req.path.slice(0, 256)}…` : c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 100) / 100,
    });
  };
}

function trustedProxyList(entries: readonly string[]): BlockList | null {
  if (entries.length === 0) return null;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (prefix !== undefined) list.addSubnet(address as string, Number(prefix), family);
    else list.addAddress(address as string, family);
  }
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  const family = isIP(plain);
  if (family === 0) return false;
  return list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * `X-Forwarded-For` is believed only when the direct peer is a configured trusted proxy; then the client is the
 * right-most address that is not itself a trusted proxy. Otherwise anyone could pick their own rate-limit key.
 */
export function clientIp(remote: string | null, forwardedFor: string | undefined, trusted: BlockList | null): string | null {
  const peer = remote?.startsWith('::ffff:') ? remote.slice(7) : remote;
  if (!trusted || !peer || !forwardedFor || !isTrusted(trusted, peer)) return peer;
  const hops = forwardedFor
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => isIP(hop) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!isTrusted(trusted, hop)) return hop;
  }
  return hops[0] ?? peer;
}
