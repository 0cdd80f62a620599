// Data mapper for Auth0 (docs/oidc.md, "Auth0 as upstream"). Claims come from Auth0's /userinfo, after the
// ID token is verified; `raw_claims` carries the whole userinfo response, including namespaced custom claims
// that an Auth0 Action adds (api.idToken.setCustomClaim / api.accessToken.setCustomClaim).
local claims = { email_verified: false } + std.extVar('claims');
local raw = std.get(claims, 'raw_claims', {});
local verifiedEmail = if std.objectHas(claims, 'email') && claims.email_verified then claims.email else null;
// Example: a database role assigned in Auth0 by an Action, carried over into metadata_public.role, which the
// shipped postgrest templates turn into the token's `role` claim. Adjust the namespace to your Action's.
local role = std.get(raw, 'https://tessera.example/role', null);

{
  identity: {
    traits: {
      [if verifiedEmail != null then 'email']: verifiedEmail,
      [if std.objectHas(claims, 'name') then 'name']: claims.name,
    },
    verified_addresses: std.prune([
      if verifiedEmail != null then { via: 'email', value: verifiedEmail },
    ]),
    [if std.isString(role) then 'metadata_public']: { role: role },
  },
}
