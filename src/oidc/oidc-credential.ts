import type { Deps } from '../deps.js';
import type { Credential, JsonObject } from '../store/types.js';
import { TokenCipher } from './token-cipher.js';
import type { UpstreamTokens } from './upstream-client.js';

/**
 * The `oidc` credential as Kratos stores it (identity/credentials_oidc.go): one identifier `<provider id>:<subject>`
 * per linked upstream account, and `config.providers[]` with the subject, the provider id and the tokens of the
 * sign-in that created the link (`initial_*`), encrypted. Provider ids are part of the identifiers, so they must
 * never change once users exist.
 */
export interface OidcProviderLink {
  subject: string;
  provider: string;
  initial_id_token?: string;
  initial_access_token?: string;
  initial_refresh_token?: string;
}

export function oidcIdentifier(providerId: string, subject: string): string {
  return `${providerId}:${subject}`;
}

/** A link entry; tokens are included only when a cipher is configured, and then only encrypted. */
export function providerLink(providerId: string, subject: string, tokens: UpstreamTokens | null, cipher: TokenCipher | null): OidcProviderLink {
  const link: OidcProviderLink = { subject, provider: providerId };
  if (cipher && tokens) {
    if (tokens.idToken) link.initial_id_token = cipher.encrypt(tokens.idToken);
    link.initial_access_token = cipher.encrypt(tokens.accessToken);
    if (tokens.refreshToken) link.initial_refresh_token = cipher.encrypt(tokens.refreshToken);
  }
  return link;
}

export function newOidcCredential(link: OidcProviderLink, now: Date): Credential {
  return { type: 'oidc', identifiers: [oidcIdentifier(link.provider, link.subject)], config: { providers: [link] }, version: 0, createdAt: now, updatedAt: now };
}

export function providersOf(config: JsonObject): OidcProviderLink[] {
  const providers = config.providers;
  if (!Array.isArray(providers)) return [];
  return providers.filter((p): p is OidcProviderLink => typeof p === 'object' && p !== null && typeof (p as OidcProviderLink).subject === 'string' && typeof (p as OidcProviderLink).provider === 'string');
}

/**
 * Admin `include_credential=oidc` (Kratos's WithDeclassifiedCredentials): the config with the tokens decrypted;
 * a token no configured key can open becomes "" as in Kratos.
 */
export function declassifiedOidcConfig(config: JsonObject, cipher: TokenCipher | null): JsonObject {
  return {
    providers: providersOf(config).map((p) => {
      const out: Record<string, unknown> = { subject: p.subject, provider: p.provider };
      for (const key of ['initial_id_token', 'initial_access_token', 'initial_refresh_token'] as const) {
        const sealed = p[key];
        if (sealed !== undefined) out[key] = cipher?.decrypt(sealed) ?? '';
      }
      return out;
    }),
  };
}

/** The config an admin sees with `include_credential=<type>`: oidc tokens decrypted, other types as stored. */
export function declassifiedCredentialConfig(deps: Deps, credential: Credential): JsonObject {
  if (credential.type !== 'oidc') return credential.config;
  // The cipher comes from secrets.cipher, which outlives the oidc method being switched off.
  const cipher = deps.oidc?.cipher ?? (deps.config.secrets.cipher.length > 0 ? new TokenCipher(deps.config.secrets.cipher) : null);
  return declassifiedOidcConfig(credential.config, cipher);
}
