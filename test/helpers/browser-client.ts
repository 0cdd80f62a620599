import { CookieJar } from './cookie-jar.js';

/**
 * A scripted browser for HTTP-level tests: a cookie jar plus requests that never follow redirects, so tests
 * see every 303 and Set-Cookie. Paths are relative to the server; absolute URLs on the configured public base
 * URL are mapped to the server as well.
 */
export const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

export class BrowserClient {
  readonly jar = new CookieJar();
  constructor(
    private readonly serverUrl: string,
    private readonly publicBaseUrl: string,
  ) {}

  url(pathOrUrl: string): string {
    const base = this.publicBaseUrl.replace(/\/$/, '');
    const path = pathOrUrl.startsWith(base) ? pathOrUrl.slice(base.length) : pathOrUrl;
    return `${this.serverUrl}${path.startsWith('/') ? path : `/${path}`}`;
  }

  async get(path: string, accept = HTML): Promise<Response> {
    return this.send(path, { method: 'GET', headers: { accept } });
  }

  async postForm(path: string, fields: Record<string, string>, accept = HTML): Promise<Response> {
    return this.send(path, { method: 'POST', headers: { accept, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  }

  async postJson(path: string, body: unknown): Promise<Response> {
    return this.send(path, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  private async send(path: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
    const cookie = this.jar.header();
    const headers = cookie ? { ...init.headers, cookie } : init.headers;
    const response = await fetch(this.url(path), { ...init, headers, redirect: 'manual' });
    this.jar.store(response);
    return response;
  }
}

/** The `flow` query parameter of a redirect. */
export function flowIdOf(response: Response): string {
  const location = response.headers.get('location');
  const id = location ? new URL(location).searchParams.get('flow') : null;
  if (!id) throw new Error(`expected a redirect with ?flow=, got ${response.status} ${location ?? '(no location)'}`);
  return id;
}

export interface FlowJson {
  id: string;
  type: string;
  return_to?: string;
  ui: {
    action: string;
    messages?: Array<{ id: number; text: string }>;
    nodes: Array<{ group: string; attributes: { name: string; value?: unknown; type: string }; messages: Array<{ id: number; text: string }> }>;
  };
}

export function csrfOf(flow: FlowJson): string {
  const value = flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')?.attributes.value;
  if (typeof value !== 'string') throw new Error('flow has no csrf_token node');
  return value;
}

export function nodeMessageIds(flow: FlowJson, name: string): number[] {
  return flow.ui.nodes.find((n) => n.attributes.name === name)?.messages.map((m) => m.id) ?? [];
}
