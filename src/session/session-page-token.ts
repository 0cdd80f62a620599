import type { SessionCursor } from '../store/types.js';
import { isUuid, NIL_UUID } from '../text/uuid.js';

/**
 * Kratos's session page token (session.Session.PageToken, oryx MapPageToken): unpadded base64 of
 * `id=<uuid>/created_at=<time>`, the time written with Go's layout `2006-01-02 15:04:05.99999` in UTC. The first
 * page's token points at the year 2200, before which every session sorts in newest-first order.
 */
const TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

export const FIRST_SESSION_PAGE_TOKEN = encodeSessionPageToken({ id: NIL_UUID, createdAt: new Date(Date.UTC(2200, 11, 31, 23, 59, 59)) });

export function encodeSessionPageToken(cursor: SessionCursor): string {
  return Buffer.from(`created_at=${formatGoTime(cursor.createdAt)}/id=${cursor.id}`).toString('base64').replace(/=+$/, '');
}

export type DecodedSessionPageToken = { ok: true; cursor: SessionCursor | undefined } | { ok: false; problem: 'undecodable' | 'invalid' };

/** `cursor` is undefined for the first page's token. */
export function decodeSessionPageToken(token: string): DecodedSessionPageToken {
  if (!/^[A-Za-z0-9+/]*$/.test(token) || token.length % 4 === 1) return { ok: false, problem: 'undecodable' };
  const fields = new Map<string, string>();
  for (const part of Buffer.from(token, 'base64').toString('utf8').split('/')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at), part.slice(at + 1));
  }
  const id = fields.get('id') ?? '';
  if (!isUuid(id)) return { ok: false, problem: 'invalid' };
  const createdAt = parseGoTime(fields.get('created_at') ?? '');
  if (!createdAt) return { ok: false, problem: 'invalid' };
  if (id === NIL_UUID) return { ok: true, cursor: undefined };
  return { ok: true, cursor: { id: id.toLowerCase(), createdAt } };
}

function formatGoTime(date: Date): string {
  const iso = date.toISOString(); // 2024-01-02T03:04:05.678Z
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}`;
}

function parseGoTime(text: string): Date | null {
  const match = TIME.exec(text);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, fraction = ''] = match;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
  return Number.isNaN(date.getTime()) ? null : date;
}
