import { isIP } from 'node:net';

/**
 * Checks one `tessera.trusted_proxies` entry: an IPv4 or IPv6 address, optionally with a CIDR prefix. Checked at
 * start so that a typo fails the start with its key path instead of silently trusting nothing (or crashing when
 * the first request builds the proxy list).
 */
export function checkTrustedProxy(entry: string): void {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) throw new Error(`"${entry}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, 192.0.2.1, fd00::/8)`);
  if (prefix === undefined) return;
  const bits = Number(prefix);
  const max = family === 4 ? 32 : 128;
  if (!/^[0-9]+$/.test(prefix) || bits > max) throw new Error(`"${entry}" has an invalid prefix length (0-${max})`);
}
