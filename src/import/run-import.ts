import { stat } from 'node:fs/promises';
import { KratosError } from '../errors/kratos-error.js';
import { identityFromCreateBody } from '../identity/admin-identity-body.js';
import type { IdentityBuildDeps } from '../identity/identity-build-deps.js';
import type { IdentitySchema } from '../identity/identity-schemas.js';
import type { Store } from '../store/store.js';
import type { Identity } from '../identity/identity.js';
import { auth0Candidate } from './auth0-source.js';
import { detectFormat } from './detect-format.js';
import { InvalidRecordError, type ImportCandidate, type ImportFormat } from './import-candidate.js';
import type { ImportSummary } from './import-summary.js';
import { kratosCandidate } from './kratos-source.js';
import { readRecords } from './read-records.js';
import { supabaseCandidate } from './supabase-source.js';

export interface ImportProgress {
  bytesRead: number;
  totalBytes: number;
  imported: number;
  skipped: number;
  failed: number;
}

export interface ImportOptions {
  file: string;
  /** Detected from the first record when absent. */
  format?: ImportFormat;
  /** Schema for Auth0 and Supabase records (Kratos records name theirs). Defaults to the default schema. */
  schemaId?: string;
  /** Identities per transaction. */
  batchSize?: number;
  onProgress?: (progress: ImportProgress) => void;
}

export type ImportDeps = IdentityBuildDeps & { store: Store };

const DEFAULT_BATCH_SIZE = 1000;

/**
 * Imports an export file. Each record goes through the admin API's own create path (schema validation, hash
 * checks, address and identifier derivation), and each batch is written in one transaction that skips identities
 * whose id, external id or identifier exists already, so running the same import twice imports nothing new.
 */
export async function runImport(deps: ImportDeps, options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const totalBytes = (await stat(options.file)).size;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const schema = options.schemaId ? deps.schemas.get(options.schemaId) : deps.schemas.getDefault();
  if (!schema) throw new Error(`there is no identity schema "${options.schemaId}"`);
  const summary: ImportSummary = { format: options.format ?? 'unknown', imported: 0, skipped: 0, failed: 0, skips: [], failures: [], durationMs: 0 };
  let format = options.format;
  let batch: Array<{ position: number; candidate: Extract<ImportCandidate, { kind: 'identity' }> }> = [];
  let bytesRead = 0;
  const report = (): void => options.onProgress?.({ bytesRead, totalBytes, imported: summary.imported, skipped: summary.skipped, failed: summary.failed });
  const fail = (position: number, label: string, reason: string): void => {
    summary.failed++;
    summary.failures.push({ position, label, reason });
  };

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    const built = await Promise.all(
      current.map(async ({ position, candidate }) => {
        try {
          return { position, label: candidate.label, identity: await identityFromCreateBody(deps, candidate.body, candidate.extras) };
        } catch (error) {
          fail(position, candidate.label, reasonOf(error));
          return null;
        }
      }),
    );
    const ready = built.filter((entry): entry is { position: number; label: string; identity: Identity } => entry !== null);
    const outcomes = await deps.store.importIdentities(ready.map((entry) => entry.identity));
    outcomes.forEach((outcome, index) => {
      const entry = ready[index] as { position: number; label: string };
      if (outcome.status === 'created') summary.imported++;
      else {
        summary.skipped++;
        summary.skips.push({ position: entry.position, label: entry.label, reason: outcome.reason });
      }
    });
    report();
  };

  for await (const record of readRecords(options.file)) {
    bytesRead = record.bytesRead;
    if ('error' in record) {
      fail(record.position, `line ${record.position}`, record.error);
      continue;
    }
    if (!format) {
      const detected = detectFormat(record.value);
      if (!detected) throw new Error(`cannot tell the export format from record ${record.position}; pass --format kratos|auth0|supabase`);
      format = detected;
      summary.format = detected;
    }
    let candidate: ImportCandidate;
    try {
      candidate = toCandidate(format, record.value, schema, deps.now());
    } catch (error) {
      fail(record.position, `record ${record.position}`, reasonOf(error));
      continue;
    }
    if (candidate.kind === 'skip') {
      summary.skipped++;
      summary.skips.push({ position: record.position, label: candidate.label, reason: candidate.reason });
      continue;
    }
    batch.push({ position: record.position, candidate });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  bytesRead = totalBytes;
  report();
  summary.durationMs = performance.now() - started;
  return summary;
}

function toCandidate(format: ImportFormat, value: unknown, schema: IdentitySchema, now: Date): ImportCandidate {
  switch (format) {
    case 'kratos':
      return kratosCandidate(value);
    case 'auth0':
      return auth0Candidate(value, schema);
    case 'supabase':
      return supabaseCandidate(value, schema, now);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof KratosError) return error.reason ?? error.message;
  if (error instanceof InvalidRecordError) return error.message;
  throw error;
}
