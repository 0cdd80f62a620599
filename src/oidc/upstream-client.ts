import * as client from 'openid-client';
import { githubClaims } from './github-claims.js';
import { claimsFromOpenIdConnect, type UpstreamClaims } from './upstream-claims.js';
import { UpstreamSignInError, UpstreamUnavailableError } from './upstream-errors.js';
import type { UpstreamProvider } from './upstream-provider.js';

/**
 * The protocol side of one upstream provider, all of it done by panva's openid-client: discovery, the
 * authorization URL with PKCE S256 and nonce, the code exchange with its checks (state, `iss` response
 * parameter, PKCE, ID token signature / iss / aud / exp / nonce), userinfo with its `sub` check, and bearer
 * calls to the GitHub API. Nothing here writes protocol code of its own.
 */
export interface AuthorizationRequest {
  state: string;
  /** Present when PKCE is used for this request; the S256 challenge is derived from it. */
  pkceVerifier: string | null;
  /** Present for OpenID Connect kinds; the ID token must echo it. */
  nonce: string | null;
  /** Allow-listed extras the client asked for (`prompt`, `hd`, `auth_type`, `acr_values`). */
  upstreamParameters: Record<string, string>;
}

export interface UpstreamTokens {
  idToken: string | null;
  accessToken: string;
  refreshToken: string | null;
}

export interface UpstreamSignIn {
  claims: UpstreamClaims;
  subject: string;
  tokens: UpstreamTokens;
}

/** How long a discovery document is trusted before it is fetched again (signing keys rotate on their own). */
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const HTTP_TIMEOUT_SECONDS = 10;

export class UpstreamClient {
  private cached: { configuration: client.Configuration; fetchedAt: number } | null = null;
  private inFlight: Promise<client.Configuration> | null = null;

  constructor(
    readonly provider: UpstreamProvider,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The client configuration, discovering the provider when needed. A failed discovery is not remembered, so the
   * next sign-in tries again; a stale document keeps serving if a refresh fails.
   */
  async configuration(): Promise<client.Configuration> {
    if (this.cached && this.now() - this.cached.fetchedAt < DISCOVERY_TTL_MS) return this.cached.configuration;
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = null;
    });
    try {
      return await this.inFlight;
    } catch (error) {
      if (this.cached) return this.cached.configuration;
      throw error;
    }
  }

  private async load(): Promise<client.Configuration> {
    const { provider } = this;
    const secret = provider.config.client_secret ?? '';
    let configuration: client.Configuration;
    if (provider.github) {
      configuration = new client.Configuration(
        { issuer: provider.github.web, authorization_endpoint: provider.github.authorization, token_endpoint: provider.github.token },
        provider.config.client_id,
        undefined,
        client.ClientSecretPost(secret),
      );
      if (isInsecure(provider.github.token)) client.allowInsecureRequests(configuration);
    } else {
      const issuer = provider.issuer as string;
      try {
        configuration = await client.discovery(new URL(issuer), provider.config.client_id, undefined, clientSecretAuth(secret), {
          execute: isInsecure(issuer) ? [client.allowInsecureRequests] : [],
          timeout: HTTP_TIMEOUT_SECONDS,
        });
      } catch (error) {
        throw new UpstreamUnavailableError(`Unable to initialize OpenID Connect Provider: discovery at ${issuer} failed: ${(error as Error).message}`, { cause: error });
      }
    }
    configuration.timeout = HTTP_TIMEOUT_SECONDS;
    this.cached = { configuration, fetchedAt: this.now() };
    return configuration;
  }

  /** PKCE per the `pkce` setting: `force` always, `never` never, `auto` when discovery advertises S256. */
  async usesPkce(): Promise<boolean> {
    const mode = this.provider.config.pkce;
    if (mode === 'force') return true;
    if (mode === 'never' || this.provider.protocol === 'github') return false;
    const methods = (await this.configuration()).serverMetadata().code_challenge_methods_supported;
    return Array.isArray(methods) && methods.includes('S256');
  }

  async authorizationUrl(request: AuthorizationRequest): Promise<string> {
    const configuration = await this.configuration();
    const { provider } = this;
    const parameters: Record<string, string> = {
      ...request.upstreamParameters,
      ...provider.authorizationParameters,
      redirect_uri: provider.redirectUri,
      response_type: 'code',
      state: request.state,
    };
    if (provider.scope.length > 0) parameters.scope = provider.scope.join(' ');
    if (request.nonce) parameters.nonce = request.nonce;
    if (request.pkceVerifier) {
      parameters.code_challenge = await client.calculatePKCECodeChallenge(request.pkceVerifier);
      parameters.code_challenge_method = 'S256';
    }
    if (provider.config.requested_claims) parameters.claims = JSON.stringify(provider.config.requested_claims);
    return client.buildAuthorizationUrl(configuration, parameters).href;
  }

  /**
   * Completes the sign-in from the callback's query: exchanges the code and reads the claims. Every failure is an
   * UpstreamSignInError whose message is safe to show.
   */
  async completeSignIn(callbackQuery: URLSearchParams, request: Omit<AuthorizationRequest, 'upstreamParameters'>): Promise<UpstreamSignIn> {
    const configuration = await this.configuration().catch((error: unknown) => {
      throw new UpstreamSignInError((error as Error).message, 502);
    });
    const { provider } = this;
    const openIdConnect = provider.protocol === 'openid-connect';
    // The token request's redirect_uri is derived from this URL, so it is built on the configured one.
    const currentUrl = new URL(provider.redirectUri);
    for (const [name, value] of callbackQuery) currentUrl.searchParams.append(name, value);

    let response: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      response = await client.authorizationCodeGrant(configuration, currentUrl, {
        expectedState: request.state,
        ...(request.pkceVerifier ? { pkceCodeVerifier: request.pkceVerifier } : {}),
        ...(openIdConnect ? { expectedNonce: request.nonce ?? undefined, idTokenExpected: true } : {}),
      });
    } catch (error) {
      throw new UpstreamSignInError(describeGrantFailure(error), error instanceof client.ResponseBodyError && error.status >= 500 ? 502 : 400);
    }
    const tokens: UpstreamTokens = { idToken: response.id_token ?? null, accessToken: response.access_token, refreshToken: response.refresh_token ?? null };

    let claims: UpstreamClaims;
    if (provider.github) {
      const granted = (response.scope ?? '').split(/[\s,]+/).filter((s) => s !== '');
      if (response.scope !== undefined && provider.scope.some((s) => !granted.includes(s))) {
        throw new UpstreamSignInError('Unable to finish because one or more permissions were not granted. Please retry and accept all the permissions.');
      }
      claims = await githubClaims(configuration, provider.github, response.access_token, response.scope === undefined ? provider.scope : granted);
    } else {
      const idToken = response.claims();
      if (!idToken) throw new UpstreamSignInError('Authentication failed because no id_token was returned. Please accept the "openid" permission and try again.');
      if (provider.claimsSource === 'userinfo') {
        let userinfo: Record<string, unknown>;
        try {
          userinfo = await client.fetchUserInfo(configuration, response.access_token, idToken.sub);
        } catch (error) {
          throw new UpstreamSignInError(`Unable to complete OpenID Connect flow because the userinfo request failed: ${(error as Error).message}`, 502);
        }
        claims = claimsFromOpenIdConnect(userinfo, { rawClaims: true });
        // userinfo rarely repeats the issuer; the verified ID token's is the one that counts.
        claims.iss ??= idToken.iss;
      } else {
        claims = claimsFromOpenIdConnect(idToken as unknown as Record<string, unknown>, { rawClaims: true });
      }
      if (provider.config.subject_source === 'oid') {
        if (typeof claims.oid !== 'string') throw new UpstreamSignInError('Unable to complete OpenID Connect flow because the ID token has no "oid" claim.', 502);
        claims.sub = claims.oid;
      } else if (provider.config.subject_source === 'me') {
        claims.sub = await microsoftGraphId(configuration, response.access_token);
      }
    }
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new UpstreamSignInError('provider did not return a subject', 502);
    if (typeof claims.iss !== 'string' || claims.iss === '') throw new UpstreamSignInError('issuer not set in claims', 502);
    return { claims, subject: claims.sub, tokens };
  }
}

/**
 * Picks client_secret_basic or client_secret_post from what discovery advertises, as Kratos's x/oauth2 does by
 * trying. Decided per request because the metadata is only known after discovery.
 */
function clientSecretAuth(secret: string): client.ClientAuth {
  const basic = client.ClientSecretBasic(secret);
  const post = client.ClientSecretPost(secret);
  return (as, metadata, body, headers) => {
    const supported = as.token_endpoint_auth_methods_supported;
    const usePost = Array.isArray(supported) && !supported.includes('client_secret_basic') && supported.includes('client_secret_post');
    (usePost ? post : basic)(as, metadata, body, headers);
  };
}

/** Microsoft `subject_source: me`: the Graph user id instead of the pairwise `sub`. */
async function microsoftGraphId(configuration: client.Configuration, accessToken: string): Promise<string> {
  const response = await client.fetchProtectedResource(configuration, accessToken, new URL('https://graph.microsoft.com/v1.0/me'), 'GET');
  const body = response.ok ? ((await response.json().catch(() => null)) as { id?: unknown } | null) : null;
  if (!body || typeof body.id !== 'string' || body.id === '') throw new UpstreamSignInError('Unable to complete OpenID Connect flow because Microsoft Graph did not return the user id.', 502);
  return body.id;
}

/** Plain http reaches this point only for loopback or dev-mode issuers (checked at start, upstream-provider.ts). */
function isInsecure(url: string): boolean {
  return new URL(url).protocol === 'http:';
}

/** What went wrong in the exchange, in words that name the check and never a token or code. */
function describeGrantFailure(error: unknown): string {
  const prefix = 'Unable to complete OpenID Connect flow because';
  if (error instanceof client.AuthorizationResponseError) {
    return `${prefix} the OpenID Provider returned error "${error.error}"${error.error_description ? `: ${error.error_description}` : ''}`;
  }
  if (error instanceof client.ResponseBodyError) {
    return `${prefix} the token endpoint returned error "${error.error}"${error.error_description ? `: ${error.error_description}` : ''}`;
  }
  // openid-client wraps oauth4webapi's precise error ("unexpected JWT "iss" (issuer) claim value") in a generic one.
  const cause = (error as Error).cause;
  const detail = cause instanceof Error && cause.message !== (error as Error).message ? `: ${cause.message}` : '';
  return `${prefix} the OpenID Provider's response failed validation: ${(error as Error).message}${detail}`;
}
