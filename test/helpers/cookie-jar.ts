/**
 * Just enough of a browser's cookie handling for HTTP-level tests: remembers what `Set-Cookie` says (a Max-Age
 * of 0 deletes) and sends it back. Attributes are parsed so tests can assert them.
 */
export interface SetCookie {
  name: string;
  value: string;
  /** Lower-cased attribute names; flags like HttpOnly map to true. */
  attributes: Map<string, string | true>;
}

export function parseSetCookie(line: string): SetCookie {
  const [pair = '', ...rest] = line.split(';').map((part) => part.trim());
  const index = pair.indexOf('=');
  const attributes = new Map<string, string | true>();
  for (const attribute of rest) {
    const eq = attribute.indexOf('=');
    if (eq === -1) attributes.set(attribute.toLowerCase(), true);
    else attributes.set(attribute.slice(0, eq).toLowerCase(), attribute.slice(eq + 1));
  }
  return { name: pair.slice(0, index), value: pair.slice(index + 1), attributes };
}

export function setCookiesOf(response: Response): SetCookie[] {
  return response.headers.getSetCookie().map(parseSetCookie);
}

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): this {
    for (const cookie of setCookiesOf(response)) {
      if (cookie.attributes.get('max-age') === '0' || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return this;
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string): this {
    this.cookies.set(name, value);
    return this;
  }

  delete(name: string): this {
    this.cookies.delete(name);
    return this;
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [name, value] of this.cookies) copy.set(name, value);
    return copy;
  }
}
