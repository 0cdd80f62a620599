-- Runs once, when the PostgreSQL volume is created (docker-entrypoint-initdb.d), in the database `app`.

-- Tessera: a role and a database of its own, away from what PostgREST exposes (docs/deployment.md).
create role tessera login password 'tessera';
create database tessera owner tessera;

-- PostgREST: the role it connects as, and the roles a token can name (docs/tokenizer.md).
create role authenticator login noinherit password 'authenticator';
create role authenticated nologin;  -- the `role` claim of templates/postgrest.jsonnet for ordinary users
create role anon nologin;           -- requests without a token
grant authenticated, anon to authenticator;

-- An example table: every user sees and writes only their own notes (`sub` = the Tessera identity id).
create schema api;
create table api.notes (
  id bigint generated always as identity primary key,
  owner uuid not null default (current_setting('request.jwt.claims', true)::json->>'sub')::uuid,
  body text not null
);
alter table api.notes enable row level security;
create policy notes_of_their_owner on api.notes to authenticated
  using (owner = (current_setting('request.jwt.claims', true)::json->>'sub')::uuid)
  with check (owner = (current_setting('request.jwt.claims', true)::json->>'sub')::uuid);
grant usage on schema api to authenticated, anon;
grant select, insert on api.notes to authenticated;
