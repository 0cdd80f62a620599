import assert from 'node:assert/strict';
import { ResponseError } from '@ory/client-fetch';

/** Awaits an SDK call that must fail and returns its status and parsed JSON body. */
export async function sdkError(promise: Promise<unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ResponseError, `expected a ResponseError, got ${String(error)}`);
    return { status: error.response.status, body: (await error.response.json()) as Record<string, unknown> };
  }
  assert.fail('expected the call to fail');
}

/** The `error` member of a herodot error body. */
export function errorOf(body: Record<string, unknown>): Record<string, unknown> {
  return body.error as Record<string, unknown>;
}
