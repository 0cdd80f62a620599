import * as client from 'openid-client';
import type { GithubEndpoints } from './upstream-provider.js';
import { putBoolean, putString, type UpstreamClaims } from './upstream-claims.js';
import { UpstreamSignInError } from './upstream-errors.js';

/**
 * GitHub speaks plain OAuth 2.0: no ID token, so the user comes from its REST API, as in Kratos's
 * provider_github.go: `GET /user` for the account and, when `user:email` was granted, `GET /user/emails` for
 * the primary address and whether GitHub verified it (the profile's public email says nothing about that).
 */
interface GithubUser {
  id?: unknown;
  login?: unknown;
  name?: unknown;
  email?: unknown;
  avatar_url?: unknown;
  html_url?: unknown;
  blog?: unknown;
}

interface GithubEmail {
  email?: unknown;
  primary?: unknown;
  verified?: unknown;
}

export async function githubClaims(config: client.Configuration, endpoints: GithubEndpoints, accessToken: string, grantedScopes: readonly string[]): Promise<UpstreamClaims> {
  const user = (await getJson(config, accessToken, `${endpoints.api}/user`)) as GithubUser;
  const claims: UpstreamClaims = { iss: endpoints.issuer };
  if (typeof user.id === 'number' || (typeof user.id === 'string' && user.id !== '')) claims.sub = String(user.id);
  putString(claims, 'name', user.name);
  putString(claims, 'nickname', user.login);
  putString(claims, 'preferred_username', user.login);
  putString(claims, 'picture', user.avatar_url);
  putString(claims, 'profile', user.html_url);
  putString(claims, 'website', user.blog);

  if (grantedScopes.includes('user:email') || grantedScopes.includes('user')) {
    const emails = await getJson(config, accessToken, `${endpoints.api}/user/emails`);
    const primary = Array.isArray(emails) ? (emails as GithubEmail[]).find((e) => e.primary === true) : undefined;
    if (primary) {
      putString(claims, 'email', primary.email);
      putBoolean(claims, 'email_verified', primary.verified);
    }
  }
  return claims;
}

async function getJson(config: client.Configuration, accessToken: string, url: string): Promise<unknown> {
  const headers = new Headers({ accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' });
  const response = await client.fetchProtectedResource(config, accessToken, new URL(url), 'GET', undefined, headers);
  if (!response.ok) throw new UpstreamSignInError(`Unable to complete OpenID Connect flow because the GitHub API answered ${response.status} for ${new URL(url).pathname}.`, 502);
  try {
    return (await response.json()) as unknown;
  } catch {
    throw new UpstreamSignInError('Unable to complete OpenID Connect flow because the GitHub API did not answer with JSON.', 502);
  }
}
