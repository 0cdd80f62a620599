import { KratosError } from '../../errors/kratos-error.js';
import { isUuid } from '../../text/uuid.js';

const HEX32 = /^[0-9a-f]{32}$/i;
const GOFRS_LENGTHS = new Set([32, 36, 38, 41, 45]);

/**
 * Parses a path UUID like Kratos's session handlers do (gofrs `uuid.FromString`), answering a bad one with the
 * 400 they write: herodot puts the parse error into `message`. Accepted spellings are normalized to the canonical
 * lower-case form.
 */
export function parseUuidOrBadRequest(raw: string): string {
  const quoted = JSON.stringify(raw);
  if (!GOFRS_LENGTHS.has(raw.length)) throw new KratosError(400, { message: `uuid: incorrect UUID length ${raw.length} in string ${quoted}` });
  let text = raw;
  if (text.length === 45 || text.length === 41) text = text.toLowerCase().startsWith('urn:uuid:') ? text.slice(9) : text;
  if (text.length === 38 && text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  if (HEX32.test(text)) text = `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
  if (!isUuid(text)) throw new KratosError(400, { message: `uuid: incorrect UUID format in string ${quoted}` });
  return text.toLowerCase();
}
