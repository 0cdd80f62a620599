// Data mapper for Google (docs/oidc.md). Google sends `email_verified` in the ID token; `hd` is the Google
// Workspace domain of the account, absent for consumer accounts.
local claims = { email_verified: false } + std.extVar('claims');
local verifiedEmail = if std.objectHas(claims, 'email') && claims.email_verified then claims.email else null;

{
  identity: {
    traits: {
      [if verifiedEmail != null then 'email']: verifiedEmail,
      [if std.objectHas(claims, 'name') then 'name']: claims.name,
    },
    verified_addresses: std.prune([
      if verifiedEmail != null then { via: 'email', value: verifiedEmail },
    ]),
    // metadata_public can only be written by the mapper and the admin API, never by the user.
    [if std.objectHas(claims, 'hd') then 'metadata_public']: { google_workspace_domain: claims.hd },
  },
}
