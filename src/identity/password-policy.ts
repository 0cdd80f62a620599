import type { Config } from '../config/types.js';
import { text, type UiText } from '../text/messages.js';

/**
 * Kratos's password policy (selfservice/strategy/password/validator.go): a minimum length in bytes, and a password
 * may not be too similar to any of the identity's identifiers (Levenshtein distance below 5, or a common
 * substring longer than half the password). The haveibeenpwned check needs the network and is not offered.
 */
const MIN_DISTANCE = 5;
const MAX_SUBSTRING_SHARE = 0.5;
const SIMILARITY_CHECK_MAX_BYTES = 256;

export function checkPasswordPolicy(password: string, identifiers: string[], policy: Config['selfservice']['methods']['password']): UiText | null {
  const length = Buffer.byteLength(password, 'utf8');
  if (length < policy.config.min_password_length) return text.passwordTooShort(policy.config.min_password_length, length);
  if (policy.config.identifier_similarity_check_enabled) {
    for (const identifier of identifiers) {
      if (identifier.length === 0) continue;
      if (Buffer.byteLength(identifier) > SIMILARITY_CHECK_MAX_BYTES || length > SIMILARITY_CHECK_MAX_BYTES) continue;
      if (tooSimilar(identifier.toLowerCase(), password.toLowerCase())) return text.passwordTooSimilar();
    }
  }
  return null;
}

function tooSimilar(identifier: string, password: string): boolean {
  const distance = levenshtein([...identifier], [...password]);
  const share = longestCommonSubstring([...identifier], [...password]) / Buffer.byteLength(password, 'utf8');
  return distance < MIN_DISTANCE || share > MAX_SUBSTRING_SHARE;
}

function levenshtein(a: string[], b: string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function longestCommonSubstring(a: string[], b: string[]): number {
  let best = 0;
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      if (a[i - 1] === b[j - 1]) {
        current[j] = (previous[j - 1] as number) + 1;
        if ((current[j] as number) > best) best = current[j] as number;
      }
    }
    previous = current;
  }
  return best;
}
