-- Sign-in sessions, kept in Postgres so that signing out (or any revocation) holds on every
-- server instance at once.
--
-- The browser's cookie carries a random 256-bit token (HMAC-signed by the server so garbage is
-- refused without a database call). This table never sees the token: a session's id is the
-- token's SHA-256 (64 hex digits), so a copy of the table signs nobody in.
--
-- A session is valid while it is neither revoked nor expired. Expiry is fixed at creation
-- (30 days by default; no sliding renewal). Only the server calls the functions below; nobody
-- reads or writes the table through the API.

create table public.sessions (
  id text primary key check (id ~ '^[0-9a-f]{64}$'),
  user_id text not null check (pg_catalog.length(user_id) between 1 and 200),
  name text not null check (pg_catalog.length(name) between 1 and 100),
  created_at timestamptz not null default pg_catalog.now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  -- When the session was last used, to the hour (find_session writes it at most once an hour).
  last_seen_at timestamptz not null default pg_catalog.now(),
  check (expires_at > created_at)
);
alter table public.sessions enable row level security;
create index sessions_user_id_idx on public.sessions (user_id);
comment on table public.sessions is
  'Sign-in sessions; id = SHA-256 (hex) of the cookie''s random token. Written only by create_session, find_session (last_seen_at), revoke_session and revoke_user_sessions.';

-- RLS on and no policy; and no privilege for anon, authenticated or even service_role: the
-- server goes through the functions below (SECURITY DEFINER), never the table.
revoke all on table public.sessions from anon, authenticated, service_role;

-- Creates a session; returns { user_id, name, created_at, expires_at }.
-- Also drops the user's sessions that ended (expired or revoked) more than a week ago, so the
-- table does not grow without bound. p_now is for tests; the server never passes it.
create function public.create_session(
  p_id text,
  p_user_id text,
  p_name text,
  p_ttl_seconds integer,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_row public.sessions;
begin
  perform public.require_text('create_session', 'p_id', p_id);
  perform public.require_text('create_session', 'p_user_id', p_user_id);
  perform public.require_text('create_session', 'p_name', p_name);
  if p_id !~ '^[0-9a-f]{64}$' then
    raise exception using errcode = '22023', message = 'create_session: p_id must be 64 lowercase hex digits (a SHA-256)';
  end if;
  if p_ttl_seconds is null or p_ttl_seconds < 1 or p_ttl_seconds > 31536000 then
    raise exception using errcode = '22023',
      message = pg_catalog.format('create_session: p_ttl_seconds must be between 1 and 31536000 (got %s)', coalesce(p_ttl_seconds::text, 'null'));
  end if;

  delete from public.sessions s
  where s.user_id = p_user_id
    and (s.expires_at < v_now - interval '7 days' or s.revoked_at < v_now - interval '7 days');

  insert into public.sessions (id, user_id, name, created_at, expires_at, last_seen_at)
  values (p_id, p_user_id, p_name, v_now, v_now + pg_catalog.make_interval(secs => p_ttl_seconds), v_now)
  returning * into v_row;

  return pg_catalog.jsonb_build_object(
    'user_id', v_row.user_id,
    'name', v_row.name,
    'created_at', public.format_timestamp(v_row.created_at),
    'expires_at', public.format_timestamp(v_row.expires_at)
  );
end;
$$;
comment on function public.create_session(text, text, text, integer, timestamptz) is
  'Creates a sign-in session (id = SHA-256 hex of the cookie token) valid for p_ttl_seconds.';
revoke all on function public.create_session(text, text, text, integer, timestamptz) from public, anon, authenticated;
grant execute on function public.create_session(text, text, text, integer, timestamptz) to service_role;

-- The valid session with this id, { user_id, name, created_at, expires_at }, or null when there is
-- none, it was revoked or it has expired. Notes the use in last_seen_at at most once an hour.
create function public.find_session(p_id text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row public.sessions;
begin
  if p_id is null or p_id !~ '^[0-9a-f]{64}$' then
    return null;
  end if;
  select * into v_row from public.sessions s
  where s.id = p_id and s.revoked_at is null and s.expires_at > pg_catalog.now();
  if not found then
    return null;
  end if;
  if v_row.last_seen_at < pg_catalog.now() - interval '1 hour' then
    -- A lost last_seen_at costs nothing: do not wait for the disk on the sign-in check.
    perform pg_catalog.set_config('synchronous_commit', 'off', true);
    update public.sessions s set last_seen_at = pg_catalog.now() where s.id = p_id;
  end if;
  return pg_catalog.jsonb_build_object(
    'user_id', v_row.user_id,
    'name', v_row.name,
    'created_at', public.format_timestamp(v_row.created_at),
    'expires_at', public.format_timestamp(v_row.expires_at)
  );
end;
$$;
comment on function public.find_session(text) is 'The session with this id if it is neither revoked nor expired; else null.';
revoke all on function public.find_session(text) from public, anon, authenticated;
grant execute on function public.find_session(text) to service_role;

-- Revokes one session; { revoked: true } when it was valid until now, false otherwise (unknown,
-- already revoked or expired). Idempotent.
create function public.revoke_session(p_id text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  update public.sessions s set revoked_at = pg_catalog.now()
  where s.id = p_id and s.revoked_at is null and s.expires_at > pg_catalog.now();
  get diagnostics v_count = row_count;
  return pg_catalog.jsonb_build_object('revoked', v_count > 0);
end;
$$;
comment on function public.revoke_session(text) is 'Revokes one session (sign-out). Idempotent.';
revoke all on function public.revoke_session(text) from public, anon, authenticated;
grant execute on function public.revoke_session(text) to service_role;

-- Revokes every valid session of a user (sign out everywhere); { revoked: <count> }.
create function public.revoke_user_sessions(p_user_id text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  perform public.require_text('revoke_user_sessions', 'p_user_id', p_user_id);
  update public.sessions s set revoked_at = pg_catalog.now()
  where s.user_id = p_user_id and s.revoked_at is null and s.expires_at > pg_catalog.now();
  get diagnostics v_count = row_count;
  return pg_catalog.jsonb_build_object('revoked', v_count);
end;
$$;
comment on function public.revoke_user_sessions(text) is 'Revokes all of a user''s valid sessions (sign out everywhere).';
revoke all on function public.revoke_user_sessions(text) from public, anon, authenticated;
grant execute on function public.revoke_user_sessions(text) to service_role;
