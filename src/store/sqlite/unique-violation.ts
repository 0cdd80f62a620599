import { DuplicateCredentialIdentifierError, DuplicateExternalIdError, DuplicateIdError } from '../errors.js';

/** Turns SQLite's unique-constraint failures into the store's dialect-neutral conflict errors. */
export function translateUniqueViolation(error: unknown, identifier?: string): unknown {
  const message = error instanceof Error ? error.message : '';
  if (!message.includes('UNIQUE constraint failed') && !message.includes('PRIMARY KEY')) return error;
  if (message.includes('identity_credential_identifiers')) return new DuplicateCredentialIdentifierError(identifier);
  if (message.includes('external_id')) return new DuplicateExternalIdError();
  if (message.includes('identities.id')) return new DuplicateIdError();
  return error;
}
