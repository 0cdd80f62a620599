import type { Logger } from 'pino';
import type { Config } from './config/types.js';
import type { IdentitySchemas } from './identity/identity-schemas.js';
import type { PasswordHasher } from './identity/password-hasher.js';
import type { OidcMethod } from './oidc/oidc-method.js';
import type { RateLimitBlocks } from './selfservice/rate-limit-blocks.js';
import type { Store } from './store/store.js';
import type { SessionWithIdentity } from './store/types.js';
import type { SessionDocument } from './tokenizer/claims-mapper.js';

/**
 * Turns a session into a JWT for a named template (`whoami?tokenize_as=`). Errors are KratosErrors with the
 * reasons Kratos uses.
 */
export interface SessionTokenizer {
  /** `sessionJson`: the whoami JSON of the session, as an object or as its text (whoami serializes it anyway). */
  tokenize(templateName: string, session: SessionWithIdentity, sessionJson: SessionDocument): Promise<string>;
}

/** The public JSON Web Key Set, serialized once at start. */
export interface PublishedKeys {
  /** `{"keys":[...]}` as bytes, ready to send. */
  jwksBody: string;
  maxAgeSeconds: number;
}

/** Everything the HTTP apps and self-service features need, built once by main.ts (or by a test). */
export interface Deps {
  config: Config;
  store: Store;
  schemas: IdentitySchemas;
  hasher: PasswordHasher;
  /** Rate-limit keys this process knows to be over their limit (the counters themselves are in the store). */
  rateLimitBlocks: RateLimitBlocks;
  logger: Logger;
  now: () => Date;
  tokenizer: SessionTokenizer | null;
  keys: PublishedKeys | null;
  version: string;
  /** Upstream sign-in (`selfservice.methods.oidc`); absent or null when the method is disabled. */
  oidc?: OidcMethod | null;
}
