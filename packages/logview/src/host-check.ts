import { isIP } from 'node:net';

/** `host[:port]` or `[v6][:port]` as a Host header carries it; undefined when it is not that shape. */
export function parseHostHeader(header: string): { hostname: string; port: number | undefined } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(header.trim());
  if (!match?.[1]) return undefined;
  const hostname = match[1]
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
  return { hostname, port: match[2] === undefined ? undefined : Number(match[2]) };
}

/**
 * Whether a request's Host header names this server in a way DNS rebinding cannot produce: an IP address
 * (a browser sends a name for a page served from a rebound name, never the address it resolved to),
 * `localhost` or a `*.localhost` name (browsers resolve those to loopback without DNS), or the name the server
 * was explicitly bound to; in each case with the port the server listens on. A request without a Host header
 * (HTTP/1.0, never a browser) passes.
 */
export function hostAllowed(options: { host: string | undefined; port: number; boundHost: string }): boolean {
  if (options.host === undefined) return true;
  const parsed = parseHostHeader(options.host);
  if (!parsed) return false;
  if ((parsed.port ?? 80) !== options.port) return false;
  const { hostname } = parsed;
  if (isIP(hostname) !== 0) return true;
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  return hostname === options.boundHost.toLowerCase().replace(/\.$/, '');
}
