-- Local bootstrap: recreates what a hosted Supabase project already provides, so that
-- migrations, RLS policies and RPC functions run here exactly as they do there.
--
-- NEVER applied to a hosted project. The migration runner (scripts/db/migrate.ts) applies
-- this file only when schema `auth` is missing or was created by this file (its comment
-- below is the marker). Every Supabase project has its own `auth` schema, so it is skipped there.
-- Idempotent: safe to run on every start.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
end
$$;

-- PostgREST logs in as authenticator and switches to one of these per request.
grant anon, authenticated, service_role to authenticator;

create schema if not exists auth;
comment on schema auth is 'tokenmeter local bootstrap';
grant usage on schema auth to anon, authenticated, service_role;

-- As in supabase/auth: the claims PostgREST sets per request, NULL when the setting is empty or absent.
create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

grant execute on function auth.jwt(), auth.uid(), auth.role(), auth.email() to anon, authenticated, service_role;

-- Supabase's default grants on schema public: every API role may use the schema, and new tables,
-- sequences and functions are granted to all three roles. Row Level Security is what protects rows,
-- and write functions must revoke EXECUTE themselves: the same situation as on a hosted project.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
