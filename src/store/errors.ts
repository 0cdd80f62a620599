import { TesseraError } from '../errors/tessera-error.js';

/** Unique-constraint conflicts, raised by both store implementations with the same meaning. */
export class DuplicateCredentialIdentifierError extends TesseraError {
  static override readonly code = 'ERR_STORE_DUPLICATE_IDENTIFIER';
  override readonly code = DuplicateCredentialIdentifierError.code;
  constructor(readonly identifier?: string) {
    super('a credential with this identifier exists already');
  }
}

export class DuplicateExternalIdError extends TesseraError {
  static override readonly code = 'ERR_STORE_DUPLICATE_EXTERNAL_ID';
  override readonly code = DuplicateExternalIdError.code;
  constructor() {
    super('an identity with this external_id exists already');
  }
}

export class DuplicateIdError extends TesseraError {
  static override readonly code = 'ERR_STORE_DUPLICATE_ID';
  override readonly code = DuplicateIdError.code;
  constructor() {
    super('an identity with this id exists already');
  }
}

/** Why an import skipped an identity: the same words from both stores, whichever key conflicted first. */
export function importSkipReason(error: unknown): string | null {
  if (error instanceof DuplicateIdError) return 'an identity with this id exists';
  if (error instanceof DuplicateExternalIdError) return 'an identity with this external_id exists';
  if (error instanceof DuplicateCredentialIdentifierError) return `identifier ${error.identifier ?? ''} exists`;
  return null;
}

/** The flow was completed by another request between loading it and completing it (see FlowCompletion). */
export class FlowAlreadyCompletedError extends TesseraError {
  static override readonly code = 'ERR_STORE_FLOW_ALREADY_COMPLETED';
  override readonly code = FlowAlreadyCompletedError.code;
  constructor() {
    super('the flow was completed already');
  }
}

/** The database cannot be reached (or is restarting); a request gets a clean 503, a command one line. */
export class DatabaseUnavailableError extends TesseraError {
  static override readonly code = 'ERR_STORE_UNAVAILABLE';
  override readonly code = DatabaseUnavailableError.code;
}
