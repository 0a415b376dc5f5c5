-- A signed-in request's session check rides on its first database call (lib/db/request-guard.ts):
-- the route wrapper knows the session's user from an earlier check on this instance, and the first
-- call of the request runs require_session in the same statement or transaction, before the call
-- itself. A revoked or expired session raises, so the call has no effect and the request ends in
-- 401; a valid one costs no extra round trip. The dev sign-in's sessions only: Clerk's are verified
-- without the database.
create function public.require_session(p_id text, p_user_id text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_last_seen timestamptz;
begin
  select s.last_seen_at into v_last_seen
  from public.sessions s
  where s.id = p_id and s.user_id = p_user_id and s.revoked_at is null and s.expires_at > pg_catalog.now();
  if not found then
    raise exception 'Your session has ended. Sign in again.' using errcode = '28000'; -- invalid_authorization_specification
  end if;
  if v_last_seen < pg_catalog.now() - interval '1 hour' then
    -- Commits with the call it guards (never with synchronous_commit off: that call may be a reserve).
    update public.sessions s set last_seen_at = pg_catalog.now() where s.id = p_id;
  end if;
  return true;
end;
$$;
comment on function public.require_session(text, text) is
  'True when the session is this user''s and neither revoked nor expired; raises 28000 otherwise. Guards a request''s first call.';
revoke all on function public.require_session(text, text) from public, anon, authenticated;
grant execute on function public.require_session(text, text) to service_role;
