// Data mapper for a generic OpenID Connect provider (docs/oidc.md): upstream claims -> new identity.
//
// std.extVar('claims') is built as Kratos builds it: well-known claims are ABSENT when empty (an unverified
// email has no `email_verified` at all), and `raw_claims` holds everything the ID token (or userinfo) said.
// The email is mapped only when the provider verified it: an unverified address could be anyone's, and an
// address is what account linking keys on.
local claims = { email_verified: false } + std.extVar('claims');
local verifiedEmail = if std.objectHas(claims, 'email') && claims.email_verified then claims.email else null;

{
  identity: {
    traits: {
      [if verifiedEmail != null then 'email']: verifiedEmail,
      [if std.objectHas(claims, 'name') then 'name']: claims.name,
    },
    // Marks the address verified in Tessera too (only addresses the identity schema makes verifiable count).
    verified_addresses: std.prune([
      if verifiedEmail != null then { via: 'email', value: verifiedEmail },
    ]),
  },
}
