// Claims for PostgREST (docs/tokenizer.md). PostgREST switches to the database role named by `role`
// (PGRST_JWT_ROLE_CLAIM_KEY=.role) and exposes every claim to SQL as
// current_setting('request.jwt.claims', true)::json, e.g. ->>'sub' or ->>'email' in RLS policies.
//
// The role comes from metadata_public, which only the admin API can write; never take it from traits,
// which users edit themselves. Kratos's default claims (jti, iss, exp, sid, nbf, iat, sub) are added
// by Tessera; `sub` (the identity id) cannot be changed here.
local session = std.extVar('session');
local identity = session.identity;
local metadata = std.get(identity, 'metadata_public', null);
local traits = std.get(identity, 'traits', {});
local assignedRole = if std.isObject(metadata) then std.get(metadata, 'role', null) else null;

{
  claims: {
    role: if std.isString(assignedRole) then assignedRole else 'authenticated',
    [if std.isObject(traits) && std.isString(std.get(traits, 'email', null)) then 'email']: traits.email,
  },
}
