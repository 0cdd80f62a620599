import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { KratosError } from '../errors/kratos-error.js';

/**
 * Requests Node's HTTP parser rejects before any app sees them (headers over the 16 KiB limit, malformed request
 * lines, header timeouts). Node's own answer is an empty body; this one is the same status with herodot JSON, so
 * clients get the shape they get everywhere else. Installed as the servers' `clientError` listener.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // As Node's own handler: answer only if nothing of an in-flight response is on the wire yet (anything else
  // would corrupt it), and close the connection either way.
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = JSON.stringify(new KratosError(status, { reason: reasonOf(status) }).toJSON());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** For a request Node parsed but that is not a valid URL (e.g. a Host header with spaces): a 400, not a 500. */
export function unparseableRequestResponse(): Response {
  const body = JSON.stringify(new KratosError(400, { reason: 'The request URL or Host header is malformed.' }).toJSON());
  return new Response(body, { status: 400, headers: { 'Content-Type': 'application/json' } });
}

function reasonOf(status: number): string {
  if (status === 431) return 'The request headers exceed the size limit.';
  if (status === 408) return 'The request headers were not received in time.';
  return 'The request is not valid HTTP.';
}
