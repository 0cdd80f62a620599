import type { CreateBodyExtras } from '../identity/admin-identity-body.js';

export type ImportFormat = 'kratos' | 'auth0' | 'supabase';

/**
 * One source record turned into Kratos's createIdentityBody plus what an import keeps beyond it (the source id,
 * creation time, login statistics), or the reason it is deliberately left out.
 */
export type ImportCandidate =
  | { kind: 'identity'; label: string; body: Record<string, unknown>; extras: CreateBodyExtras }
  | { kind: 'skip'; label: string; reason: string };

/** Raised by a source mapper for a record it cannot use; the message is the reason shown in the summary. */
export class InvalidRecordError extends Error {
  override readonly name = 'InvalidRecordError';
}
