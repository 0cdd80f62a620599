/** Unique-constraint conflicts, raised by both store implementations with the same meaning. */
export class DuplicateCredentialIdentifierError extends Error {
  override readonly name = 'DuplicateCredentialIdentifierError';
  constructor(readonly identifier?: string) {
    super('a credential with this identifier exists already');
  }
}

export class DuplicateExternalIdError extends Error {
  override readonly name = 'DuplicateExternalIdError';
  constructor() {
    super('an identity with this external_id exists already');
  }
}

export class DuplicateIdError extends Error {
  override readonly name = 'DuplicateIdError';
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
export class FlowAlreadyCompletedError extends Error {
  override readonly name = 'FlowAlreadyCompletedError';
  constructor() {
    super('the flow was completed already');
  }
}
