// Data mapper for GitHub (docs/oidc.md). GitHub has no ID token: Tessera reads GET /user and, with the
// `user:email` scope, GET /user/emails for the PRIMARY address and whether GitHub verified it. Without that
// scope there is no email at all. `sub` is the numeric user id (stable), `nickname` the login (changeable).
local claims = { email_verified: false } + std.extVar('claims');
local verifiedEmail = if std.objectHas(claims, 'email') && claims.email_verified then claims.email else null;

{
  identity: {
    traits: {
      [if verifiedEmail != null then 'email']: verifiedEmail,
      [if std.objectHas(claims, 'name') then 'name'
       else if std.objectHas(claims, 'nickname') then 'name']: if std.objectHas(claims, 'name') then claims.name else claims.nickname,
    },
    verified_addresses: std.prune([
      if verifiedEmail != null then { via: 'email', value: verifiedEmail },
    ]),
    [if std.objectHas(claims, 'nickname') then 'metadata_public']: { github_login: claims.nickname },
  },
}
