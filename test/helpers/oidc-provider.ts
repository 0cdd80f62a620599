import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A real OpenID Provider for tests: panva's certified `oidc-provider` in this process on a random port
 * (kratos-oidc.md §8). Logins are headless: the interaction "page" is a middleware that decides from
 * `nextLogin`, which a test sets, and consent is granted automatically (`loadExistingGrant`). PKCE is required.
 *
 * `style: 'github'` makes it look like GitHub (Enterprise Server) instead: plain OAuth 2.0 endpoints at
 * `/login/oauth/authorize` and `/login/oauth/access_token`, and the REST API's `/api/v3/user` and
 * `/api/v3/user/emails` answering for the bearer token's account.
 */
export type NextLogin = { sub: string; acr?: string; amr?: string[] } | { error: string; description?: string };

export interface TestOp {
  issuer: string;
  provider: Provider;
  /** sub -> claims (email, email_verified, name, ...); for the GitHub style also `login` and `emails`. */
  accounts: Map<string, Record<string, unknown>>;
  nextLogin: NextLogin;
  /** How many token requests the OP received (a replayed code is one that fails). */
  tokenRequests: number;
  close(): Promise<void>;
}

export interface TestOpOptions {
  redirectUris: string[];
  clientId?: string;
  clientSecret?: string;
  style?: 'oidc' | 'github';
  /** Defaults to required, as for any Tessera provider with PKCE on. */
  pkceRequired?: boolean;
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
}

export async function startTestOp(options: TestOpOptions): Promise<TestOp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-op-key', alg: 'RS256', use: 'sig' };
  const github = options.style === 'github';
  const accounts = new Map<string, Record<string, unknown>>();

  const configuration: Configuration = {
    clients: [
      {
        client_id: options.clientId ?? 'broker',
        client_secret: options.clientSecret ?? 'broker-secret',
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: options.tokenEndpointAuthMethod ?? 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    claims: { openid: ['sub', 'oid'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name', 'picture', 'preferred_username'] },
    scopes: github ? ['openid', 'offline_access', 'user:email', 'read:user'] : ['openid', 'offline_access'],
    // Kratos reads claims from the ID token by default: put the scope claims there, not only in userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => options.pkceRequired ?? !github },
    cookies: { keys: ['test-only-cookie-key-0123456789'] },
    findAccount: (_ctx, sub) => (accounts.has(sub) ? { accountId: sub, claims: () => ({ sub, ...accounts.get(sub) }) } : undefined),
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const oidc = ctx.oidc;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(oidc.client!.clientId);
      if (grantId) return oidc.provider.Grant.find(grantId);
      const grant = new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.account!.accountId });
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
      if (github) grant.addOIDCScope([...oidc.requestParamScopes].join(' '));
      await grant.save();
      return grant;
    },
    features: { devInteractions: { enabled: false } },
    // Explicit lifetimes keep the OP from printing a notice for each default it falls back to.
    ttl: { Interaction: 600, Grant: 3600, Session: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60, RefreshToken: 3600 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ...(github ? { routes: { authorization: '/login/oauth/authorize', token: '/login/oauth/access_token' } } : {}),
  };
  const provider = new Provider(issuer, configuration);
  const op: TestOp = { issuer, provider, accounts, nextLogin: { sub: 'alice' }, tokenRequests: 0, close: async () => {} };
  const tokenPath = github ? '/login/oauth/access_token' : '/token';

  provider.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === tokenPath) op.tokenRequests++;
    const interaction = /^\/interaction\/([^/]+)$/.exec(ctx.path);
    if (interaction) {
      await provider.interactionDetails(ctx.req, ctx.res);
      const login = op.nextLogin;
      const result = 'error' in login ? { error: login.error, error_description: login.description ?? 'denied by test' } : { login: { accountId: login.sub, acr: login.acr, amr: login.amr } };
      ctx.status = 303;
      ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
      return;
    }
    if (github && ctx.path.startsWith('/api/v3/user')) {
      const token = /^Bearer (.+)$/i.exec(ctx.get('authorization'))?.[1];
      const accessToken = token ? await provider.AccessToken.find(token) : undefined;
      const account = accessToken ? accounts.get(accessToken.accountId) : undefined;
      if (!accessToken || !account) {
        ctx.status = 401;
        ctx.body = { message: 'Bad credentials' };
        return;
      }
      if (ctx.path === '/api/v3/user') {
        ctx.body = { id: Number(accessToken.accountId), login: account.login, name: account.name ?? null, email: null, avatar_url: `${issuer}/avatars/${accessToken.accountId}`, html_url: `${issuer}/${String(account.login)}` };
        return;
      }
      if (ctx.path === '/api/v3/user/emails') {
        if (!accessToken.scopes.has('user:email')) {
          ctx.status = 404;
          ctx.body = { message: 'Not Found' };
          return;
        }
        ctx.body = account.emails ?? [];
        return;
      }
    }
    await next();
  });
  server.on('request', provider.callback());
  op.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return op;
}
