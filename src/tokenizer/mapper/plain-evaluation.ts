import { newJsonnet } from './jsonnet-binding.js';
import type { EvaluationResult } from './mapper-outcome.js';

/**
 * One evaluation exactly as Kratos does it (session/tokenizer.go): a fresh VM, `session` and `claims` bound with
 * ExtCode, the mapper source evaluated under its own file name (so relative imports resolve against its folder,
 * as libjsonnet does for any file). About 30-50 ms, nearly all of it building the VM and its stdlib.
 */
export async function evaluatePlainly(source: string, filename: string, sessionJson: string, claimsJson: string): Promise<EvaluationResult> {
  try {
    const output = await newJsonnet().extCode('session', sessionJson).extCode('claims', claimsJson).evaluateSnippet(source, filename);
    return { output };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
