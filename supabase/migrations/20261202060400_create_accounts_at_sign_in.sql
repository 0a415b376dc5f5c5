-- Accounts from the first sign-in, not the first request: an admin can find (and grant tokens to)
-- anyone who has signed in, before they ever chat.
--
-- * The dev sign-in: a trigger on public.sessions creates the account (ensure_account: the free
--   plan and the starter balance with its 'grant' row, exactly as a first request would) in the
--   same transaction as the session.
-- * Clerk (no session row of ours): record_sign_in, called by the signed-in layout, creates the
--   account and records the e-mail the session token carries, when it carries one. An existing
--   account with the same e-mail costs one index lookup and writes nothing.

create function public.ensure_account_for_session()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform public.ensure_account(new.user_id, new.created_at);
  return null;
end;
$$;
revoke all on function public.ensure_account_for_session() from public, anon, authenticated, service_role;

create trigger sessions_ensure_account
  after insert on public.sessions
  for each row
  execute function public.ensure_account_for_session();

-- Creates the account if needed and records p_email when given (lower-cased; 22023 if it is not an
-- e-mail address). Writes nothing when the account exists with that e-mail (or p_email is null).
create function public.record_sign_in(p_user_id text, p_email text default null, p_now timestamptz default now())
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform public.require_text('record_sign_in', 'p_user_id', p_user_id);
  if p_email is null then
    perform public.ensure_account(p_user_id, coalesce(p_now, pg_catalog.now()));
    return;
  end if;
  perform public.record_account_email(p_user_id, p_email, p_now);
end;
$$;
revoke all on function public.record_sign_in(text, text, timestamptz) from public, anon, authenticated;
grant execute on function public.record_sign_in(text, text, timestamptz) to service_role;

-- Accounts of everyone already signed in (sessions still valid), so the admin console finds them too.
select public.ensure_account(s.user_id, min(s.created_at))
from public.sessions s
where s.revoked_at is null and s.expires_at > now()
group by s.user_id;
