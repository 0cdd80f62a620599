// The postgrest template (templates/postgrest.jsonnet) plus how the session was authenticated
// (docs/tokenizer.md, docs/oidc.md):
//   amr  the session's authentication methods as Kratos names them, in order: ["password"], ["oidc"], or
//        ["password", "oidc"] after an upstream account was linked by signing in with the password
//        (RFC 8176 `amr`: an array of method names; Kratos's names, not RFC 8176's registry values).
//   idp  the provider id of the upstream sign-in, when there was one (e.g. "google").
// Use them in row-level security, e.g. current_setting('request.jwt.claims', true)::json->>'idp' = 'google'.
local session = std.extVar('session');
local identity = session.identity;
local metadata = std.get(identity, 'metadata_public', null);
local traits = std.get(identity, 'traits', {});
local assignedRole = if std.isObject(metadata) then std.get(metadata, 'role', null) else null;
local methods = std.get(session, 'authentication_methods', []);
local upstream = [m.provider for m in methods if std.get(m, 'method', '') == 'oidc' && std.isString(std.get(m, 'provider', null))];

{
  claims: {
    role: if std.isString(assignedRole) then assignedRole else 'authenticated',
    [if std.isObject(traits) && std.isString(std.get(traits, 'email', null)) then 'email']: traits.email,
    amr: [m.method for m in methods],
    [if std.length(upstream) > 0 then 'idp']: upstream[std.length(upstream) - 1],
  },
}
