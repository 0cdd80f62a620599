import { CookieJar } from './cookie-jar.js';

/**
 * A scripted browser for flows that cross sites (Tessera ⇄ an OpenID Provider): one cookie jar per origin,
 * redirects followed by hand (`redirect: 'manual'`) so a test can stop at, inspect or tamper with any hop,
 * and 302/303 turned into GETs as browsers do.
 */
export const HTML_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

export interface Hop {
  url: string;
  status: number;
}

export class RedirectBrowser {
  private readonly jars = new Map<string, CookieJar>();

  jar(url: string): CookieJar {
    const origin = new URL(url).origin;
    let jar = this.jars.get(origin);
    if (!jar) {
      jar = new CookieJar();
      this.jars.set(origin, jar);
    }
    return jar;
  }

  async request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
    const jar = this.jar(url);
    const cookie = jar.header();
    const headers: Record<string, string> = { accept: HTML_ACCEPT, ...init.headers, ...(cookie ? { cookie } : {}) };
    const response = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body, redirect: 'manual' });
    jar.store(response);
    return response;
  }

  postForm(url: string, fields: Record<string, string>): Promise<Response> {
    return this.request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  }

  /**
   * A form that a page of another site makes this browser submit (an auto-submitting cross-site form): the
   * browser sends none of this site's SameSite=Lax or Strict cookies (every Tessera cookie is Lax), announces
   * the other site as its Origin, and keeps whatever cookies the answer sets.
   */
  async postFormFromOtherSite(url: string, fields: Record<string, string>, otherSite = 'http://attacker.example'): Promise<Response> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { accept: HTML_ACCEPT, 'content-type': 'application/x-www-form-urlencoded', origin: otherSite },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
    this.jar(url).store(response);
    return response;
  }

  /**
   * Follows redirects from `response` (which was answered for `from`) until one is not a redirect, or until the
   * next URL satisfies `stopBefore` (then that URL is returned unvisited).
   */
  async follow(from: string, response: Response, stopBefore?: (url: URL) => boolean): Promise<{ response: Response; url: string; hops: Hop[]; stoppedAt: string | null }> {
    const hops: Hop[] = [];
    let current = from;
    let answer = response;
    for (let i = 0; i < 25; i++) {
      const location = answer.headers.get('location');
      if (answer.status < 300 || answer.status >= 400 || !location) return { response: answer, url: current, hops, stoppedAt: null };
      await answer.body?.cancel();
      const next = new URL(location, current);
      hops.push({ url: next.href, status: answer.status });
      if (stopBefore?.(next)) return { response: answer, url: current, hops, stoppedAt: next.href };
      current = next.href;
      answer = await this.request(current);
    }
    throw new Error(`too many redirects, last: ${current}`);
  }

  /** GET `url` and follow every redirect. */
  async navigate(url: string, stopBefore?: (url: URL) => boolean): Promise<{ response: Response; url: string; hops: Hop[]; stoppedAt: string | null }> {
    return this.follow(url, await this.request(url), stopBefore);
  }
}
