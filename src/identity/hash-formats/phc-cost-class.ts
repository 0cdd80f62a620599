/**
 * The cost class of a PHC-style string (`$<id>$<params…>$<salt>$<digest>`, as argon2, PBKDF2 and scrypt hashes
 * are written): everything but the salt and the digest, plus the digest's length, which PBKDF2 and scrypt derive
 * and so pay for. Two hashes of one class cost the same to verify (password-hasher.ts).
 */
export function phcCostClass(hash: string): string {
  const fields = hash.split('$');
  const digest = fields.pop() ?? '';
  fields.pop();
  return `${fields.join('$')}$${digest.length}`;
}
