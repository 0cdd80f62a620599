import type { Context } from 'hono';
import type { Deps } from '../../deps.js';
import { KratosError } from '../../errors/kratos-error.js';
import { nestFormFields } from '../../selfservice/form-fields.js';
import type { SubmitBody } from '../../selfservice/submission.js';
import type { AppEnv } from '../app-env.js';
import { readBody } from '../read-body.js';

/** The body of a submit. Decoding failures become a message on the flow (Kratos shows them as 4000001). */
export async function submitBody(deps: Pick<Deps, 'config' | 'schemas'>, c: Context<AppEnv>): Promise<SubmitBody> {
  try {
    const { format, value } = await readBody(c, deps.config.tessera.limits.max_body_size, ['json', 'form']);
    // HTML forms post flat names (`traits.email`); the flows take the JSON shape.
    if (format === 'form') return { ok: true, value: nestFormFields(value as Record<string, string>, deps.schemas.getDefault().fields) };
    return { ok: true, value };
  } catch (error) {
    if (error instanceof KratosError && (error.code === 400 || error.code === 415)) return { ok: false, reason: error.reason ?? error.message };
    throw error;
  }
}
