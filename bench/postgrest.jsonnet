// A copy of the shipped templates/postgrest.jsonnet (tokenizer branch), used by the benchmark only when the
// repository does not have that file yet. The role comes from metadata_public, the email from traits.
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
