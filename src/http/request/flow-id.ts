import { badRequest } from '../../errors/kratos-error.js';
import { isUuid } from '../../text/uuid.js';

/** Reads `?flow=` for a submit; Kratos answers a missing or malformed id with this 400. */
export function requireFlowId(value: string | undefined): string {
  if (!value || !isUuid(value)) throw badRequest('The flow query parameter is missing or malformed.');
  return value;
}
