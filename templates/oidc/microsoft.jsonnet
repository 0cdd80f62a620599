// Data mapper for Microsoft Entra ID / personal Microsoft accounts (docs/oidc.md). Entra ID tokens carry
// `email` only when the optional claim is configured, and never `email_verified`: Microsoft documents `email`
// as mutable and unverified for work accounts. So this mapper uses it only for personal accounts (tenant
// 9188040d-6c67-4c5b-b112-36a304b66dad, which verifies addresses) and otherwise leaves the email to the
// "Continue" form, where the user confirms one (and an existing account with it must then be proven).
local claims = std.extVar('claims');
local raw = std.get(claims, 'raw_claims', {});
local personalAccount = std.get(raw, 'tid', '') == '9188040d-6c67-4c5b-b112-36a304b66dad';
local email = if personalAccount && std.objectHas(claims, 'email') then claims.email else null;

{
  identity: {
    traits: {
      [if email != null then 'email']: email,
      [if std.objectHas(claims, 'name') then 'name']: claims.name,
    },
    verified_addresses: std.prune([
      if email != null then { via: 'email', value: email },
    ]),
    [if std.objectHas(raw, 'tid') then 'metadata_public']: { microsoft_tenant_id: raw.tid },
  },
}
