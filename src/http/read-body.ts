import type { Context } from 'hono';
import { KratosError, badRequest } from '../errors/kratos-error.js';
import type { AppEnv } from './app-env.js';

/** Deeper JSON than this is refused before parsing: no legitimate payload nests that far. */
const MAX_JSON_DEPTH = 32;

export type BodyFormat = 'json' | 'form';

/**
 * Reads a request body with a hard byte limit (413 beyond it), then decodes JSON or
 * `application/x-www-form-urlencoded` (form fields stay flat: `traits.email`). Anything else is a 415.
 * Decoding errors are 400s whose reason says what was wrong.
 */
export async function readBody(c: Context<AppEnv>, maxBytes: number, accept: readonly BodyFormat[] = ['json']): Promise<{ format: BodyFormat; value: unknown }> {
  const contentType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const format: BodyFormat | null = contentType === 'application/json' || contentType.endsWith('+json') ? 'json' : contentType === 'application/x-www-form-urlencoded' ? 'form' : null;
  const text = await readLimitedText(c, maxBytes);
  if (format === null || !accept.includes(format)) {
    if (text.length === 0 && contentType === '') throw badRequest('The request body is missing.');
    throw new KratosError(415, { reason: `The request content type must be ${accept.map((f) => (f === 'json' ? 'application/json' : 'application/x-www-form-urlencoded')).join(' or ')}.` });
  }
  if (format === 'form') return { format, value: Object.fromEntries(new URLSearchParams(text)) };
  return { format, value: parseJson(text) };
}

export async function readLimitedText(c: Context<AppEnv>, maxBytes: number): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const body = c.req.raw.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const decoded = new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
  return decoded;
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') throw badRequest('Unable to decode JSON payload: the body is empty.');
  if (nestingDepth(text) > MAX_JSON_DEPTH) throw badRequest(`Unable to decode JSON payload: nesting deeper than ${MAX_JSON_DEPTH} levels.`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`Unable to decode JSON payload: ${(error as Error).message}`);
  }
}

function tooLarge(maxBytes: number): KratosError {
  return new KratosError(413, { reason: `The request body exceeds the limit of ${maxBytes} bytes.` });
}

/** The deepest bracket nesting outside of strings; cheap enough to run before JSON.parse. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++; // backslash escapes the next character
      else if (ch === 34) inString = false;
      continue;
    }
    if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > MAX_JSON_DEPTH) return max;
      }
    } else if (ch === 125 || ch === 93) depth--;
  }
  return max;
}
