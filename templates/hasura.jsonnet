// Claims for Hasura GraphQL Engine v2 (docs/tokenizer.md), read from the `https://hasura.io/jwt/claims`
// namespace. Hasura's rules: x-hasura-default-role is a string, x-hasura-allowed-roles is an array of
// strings that contains the default role (or every request without X-Hasura-Role is refused), and every
// other x-hasura-* value is a string.
//
// Roles come from metadata_public (`role`: the default, `roles`: more allowed roles), which only the
// admin API can write; never take them from traits, which users edit themselves.
local session = std.extVar('session');
local identity = session.identity;
local metadata = std.get(identity, 'metadata_public', null);
local assigned = if std.isObject(metadata) then metadata else {};
local defaultRole = if std.isString(std.get(assigned, 'role', null)) then assigned.role else 'user';
local extraRoles = if std.isArray(std.get(assigned, 'roles', null)) then [r for r in assigned.roles if std.isString(r) && r != defaultRole] else [];

{
  claims: {
    'https://hasura.io/jwt/claims': {
      'x-hasura-default-role': defaultRole,
      'x-hasura-allowed-roles': [defaultRole] + std.set(extraRoles),
      'x-hasura-user-id': identity.id,
    },
  },
}
