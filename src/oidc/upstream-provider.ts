import { ConfigError } from '../config/config-error.js';
import { joinUrl } from '../config/join-url.js';
import type { Config, OidcProviderConfig } from '../config/types.js';

/**
 * One configured upstream provider, resolved once at start from its `selfservice.methods.oidc.config.providers[]`
 * entry: which protocol it speaks, where it lives, what to ask for. Provider kinds differ only here and in how
 * their claims are read (upstream-claims.ts, github-claims.ts); the flows never look at the kind.
 */
export type UpstreamProtocol =
  /** OpenID Connect with discovery: generic, google, microsoft, auth0. */
  | 'openid-connect'
  /** Plain OAuth 2.0 plus the GitHub REST API: no ID token, no discovery. */
  | 'github';

export interface GithubEndpoints {
  /** `https://github.com`, or the GitHub Enterprise Server base: the authorization server's identifier. */
  web: string;
  authorization: string;
  token: string;
  /** REST API base, `https://api.github.com` or `<GHES>/api/v3`. */
  api: string;
  /** What Kratos puts into `iss` for GitHub users. */
  issuer: string;
}

export interface UpstreamProvider {
  config: OidcProviderConfig;
  protocol: UpstreamProtocol;
  /** Discovery base (the issuer identifier) for OpenID Connect kinds. */
  issuer: string | null;
  github: GithubEndpoints | null;
  /** The scopes requested, after the kind's adjustments (e.g. `openid` added). */
  scope: string[];
  /** Extra authorization request parameters the kind always sends (Google: `access_type=offline`). */
  authorizationParameters: Record<string, string>;
  /** Where the claims come from: the verified ID token, or the userinfo endpoint (sub checked against it). */
  claimsSource: 'id_token' | 'userinfo';
  /** `redirect_uri`: `<base_redirect_uri>/self-service/methods/oidc/callback/<id>`, to be registered upstream. */
  redirectUri: string;
  /** What buttons say: `label`, else the id (Kratos's cmp.Or(label, id)). */
  buttonLabel: string;
  /** What the account-linking message says: `label`, else the provider kind. */
  linkingLabel: string;
}

const GOOGLE_ISSUER = 'https://accounts.google.com';
const GITHUB = { web: 'https://github.com', api: 'https://api.github.com' };

export function callbackPath(providerId: string): string {
  return `self-service/methods/oidc/callback/${providerId}`;
}

/**
 * Resolves and checks a provider entry. Everything that can be wrong without asking the network throws a
 * ConfigError naming the provider, so a typo stops the start instead of the first sign-in. Discovery itself
 * is lazy (upstream-client.ts), as in Kratos: an upstream that is down at start must not keep Tessera down.
 */
export function resolveUpstreamProvider(config: Config, provider: OidcProviderConfig, index: number): UpstreamProvider {
  const keyPath = (field: string): string => `selfservice.methods.oidc.config.providers.${index}.${field}`;
  const fail = (field: string, reason: string): never => {
    throw new ConfigError(config.file, keyPath(field), `provider "${provider.id}" (${provider.provider}): ${reason}`);
  };

  if (!provider.client_secret) fail('client_secret', 'client_secret is required');
  if (provider.issuer_url !== undefined) {
    const issuer = parseHttpUrl(provider.issuer_url);
    if (!issuer) fail('issuer_url', `"${provider.issuer_url}" is not an http(s) URL without query or fragment`);
    // Tokens and codes travel to this URL: plain http is only tolerable on this machine, or in dev mode.
    else if (issuer.protocol === 'http:' && !config.dev && !isLoopbackHost(issuer.hostname)) fail('issuer_url', 'must be https (plain http is allowed only for loopback addresses or with dev: true)');
  }
  if (provider.subject_source !== undefined && provider.provider !== 'microsoft') fail('subject_source', 'subject_source applies to the microsoft provider only');
  if (provider.claims_source === 'userinfo' && provider.provider === 'github') fail('claims_source', 'github has no ID token or userinfo endpoint; its claims always come from the GitHub API');
  if (provider.auth_url !== undefined || provider.token_url !== undefined) {
    // Kratos accepts these keys but only its `jackson` provider reads them; silently ignoring them would hide a mistake.
    fail(provider.auth_url !== undefined ? 'auth_url' : 'token_url', 'auth_url and token_url are not used by this provider kind; set issuer_url instead');
  }

  const base = {
    config: provider,
    redirectUri: joinUrl(config.selfservice.methods.oidc.config.base_redirect_uri, callbackPath(provider.id)),
    buttonLabel: provider.label ?? provider.id,
    linkingLabel: provider.label ?? provider.provider,
    authorizationParameters: {} as Record<string, string>,
  };
  const withOpenId = (scope: string[]): string[] => (scope.includes('openid') ? [...scope] : ['openid', ...scope]);

  switch (provider.provider) {
    case 'generic':
    case 'auth0': {
      if (provider.issuer_url === undefined) return fail('issuer_url', `issuer_url is required for the ${provider.provider} provider (it is the discovery base)`);
      return {
        ...base,
        protocol: 'openid-connect',
        issuer: provider.issuer_url,
        github: null,
        scope: withOpenId(provider.scope),
        // Kratos reads Auth0 users from /userinfo; Tessera does too, after verifying the ID token.
        claimsSource: provider.provider === 'auth0' ? 'userinfo' : provider.claims_source,
      };
    }
    case 'google': {
      // Google has no offline_access scope; it wants access_type=offline instead (as Kratos translates it).
      const offline = provider.scope.includes('offline_access');
      return {
        ...base,
        protocol: 'openid-connect',
        issuer: provider.issuer_url ?? GOOGLE_ISSUER,
        github: null,
        scope: withOpenId(provider.scope.filter((s) => s !== 'offline_access')),
        authorizationParameters: offline ? { access_type: 'offline' } : {},
        claimsSource: provider.claims_source,
      };
    }
    case 'microsoft': {
      const tenant = provider.microsoft_tenant;
      if (!tenant) return fail('microsoft_tenant', 'microsoft_tenant is required (common, organizations, consumers, a tenant id or domain)');
      if (!/^[A-Za-z0-9.-]+$/.test(tenant)) fail('microsoft_tenant', `"${tenant}" is not a tenant name, id or domain`);
      return {
        ...base,
        protocol: 'openid-connect',
        issuer: provider.issuer_url ?? `https://login.microsoftonline.com/${tenant}/v2.0`,
        github: null,
        scope: withOpenId(provider.scope),
        claimsSource: provider.claims_source,
      };
    }
    case 'github': {
      // issuer_url, when set, is a GitHub Enterprise Server base URL (github.com needs nothing).
      const web = provider.issuer_url?.replace(/\/+$/, '') ?? GITHUB.web;
      const api = provider.issuer_url ? `${web}/api/v3` : GITHUB.api;
      const token = `${web}/login/oauth/access_token`;
      return {
        ...base,
        protocol: 'github',
        issuer: null,
        github: { web, authorization: `${web}/login/oauth/authorize`, token, api, issuer: token },
        scope: [...provider.scope],
        claimsSource: 'id_token',
      };
    }
  }
}

function parseHttpUrl(value: string): URL | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.search === '' && url.hash === '' ? url : null;
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
