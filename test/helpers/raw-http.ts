import { Agent, request, get, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HeldRequest {
  /** Sends the rest of the body and resolves with the response. */
  finish(): Promise<RawResponse>;
  /** Resolves with the response, or with the error if the connection was cut. */
  outcome: Promise<RawResponse | Error>;
}

/**
 * A POST whose headers and first half of the body are on the wire while the rest is held back: a request the
 * server has accepted and is in the middle of, for as long as the test wants.
 */
export function holdRequest(url: string, body: string, options: { keepAlive?: boolean } = {}): HeldRequest {
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  const agent = options.keepAlive ? new Agent({ keepAlive: true }) : false;
  const req: ClientRequest = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(bytes.length) } });
  const outcome = new Promise<RawResponse | Error>((resolve) => {
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', resolve);
    });
    req.on('error', resolve);
  });
  req.write(bytes.subarray(0, half));
  return {
    outcome,
    async finish() {
      req.end(bytes.subarray(half));
      const result = await outcome;
      if (result instanceof Error) throw result;
      return result;
    },
  };
}

/** A GET on a fresh connection (no keep-alive pool), resolving with the status or the connection error code. */
export function probe(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}
