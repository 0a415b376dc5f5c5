-- Balance expiry: app_settings.balance_expiry_days (null: balances never expire) is now enforced.
--
-- expire_inactive_balances(p_now, p_limit) zeroes the prepaid balance of accounts inactive for that
-- many days, each through the ledger: one balance_ledger row of kind 'expiry' (delta = -balance,
-- actor 'system') written with the balance in the same transaction, so
-- accounts.balance = sum(balance_ledger.delta) keeps holding and every expired token is traced.
--
-- Inactive means: no settled request (accounts.last_active_at, set by settle_tokens), no credit to
-- the balance (a grant or top-up row) and no account creation within the last balance_expiry_days
-- days. A balance granted yesterday to a long-idle user therefore does not expire today.
--
-- Safe to run from any number of places at once (pg_cron on Supabase, the admin API): accounts are
-- taken with FOR UPDATE SKIP LOCKED, so a run never waits on an account a request is using (such an
-- account is active anyway) and two runs never expire the same balance twice. At most p_limit
-- accounts per call (1..10000); call again while `more` is true. p_days overrides the setting (scripts, tests).
-- Returns { days, expired_accounts, expired_tokens, more }.

create function public.expire_inactive_balances(p_now timestamptz default now(), p_limit integer default 1000, p_days integer default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_days integer;
  v_cutoff timestamptz;
  v_accounts integer := 0;
  v_tokens bigint := 0;
  v_account record;
begin
  if p_limit is null or p_limit < 1 or p_limit > 10000 then
    raise exception using errcode = '22023', message = 'expire_inactive_balances: p_limit must be from 1 to 10000';
  end if;
  if p_days is not null and (p_days < 1 or p_days > 3650) then
    raise exception using errcode = '22023', message = 'expire_inactive_balances: p_days must be from 1 to 3650';
  end if;
  v_days := coalesce(p_days, (select s.balance_expiry_days from public.app_settings s where s.id));
  if v_days is null then
    return pg_catalog.jsonb_build_object('days', null, 'expired_accounts', 0, 'expired_tokens', 0, 'more', false);
  end if;
  v_cutoff := v_now - pg_catalog.make_interval(days => v_days);

  for v_account in
    select a.user_id, a.balance
    from public.accounts a
    where a.balance > 0
      and coalesce(a.last_active_at, a.created_at) < v_cutoff
      and a.created_at < v_cutoff
      and not exists (
        select 1 from public.balance_ledger b
        where b.user_id = a.user_id and b.delta > 0 and b.created_at >= v_cutoff
      )
    order by a.user_id
    limit p_limit + 1
    for update of a skip locked
  loop
    if v_accounts = p_limit then
      -- One more than the limit was found: say so and leave it for the next call.
      return pg_catalog.jsonb_build_object('days', v_days, 'expired_accounts', v_accounts, 'expired_tokens', v_tokens, 'more', true);
    end if;
    insert into public.balance_ledger (user_id, delta, kind, reason, actor, created_at)
    values (v_account.user_id, -v_account.balance, 'expiry',
            pg_catalog.format('balance expired after %s days without activity', v_days), 'system', v_now);
    update public.accounts a set balance = 0 where a.user_id = v_account.user_id;
    v_accounts := v_accounts + 1;
    v_tokens := v_tokens + v_account.balance;
  end loop;
  return pg_catalog.jsonb_build_object('days', v_days, 'expired_accounts', v_accounts, 'expired_tokens', v_tokens, 'more', false);
end;
$$;
comment on function public.expire_inactive_balances(timestamptz, integer, integer) is
  'Zeroes, through balance_ledger (kind expiry), the balances of accounts inactive for app_settings.balance_expiry_days days. Idempotent; SKIP LOCKED.';
revoke all on function public.expire_inactive_balances(timestamptz, integer, integer) from public, anon, authenticated;
grant execute on function public.expire_inactive_balances(timestamptz, integer, integer) to service_role;

-- The admin API's twin: the same, run by an admin, with one audit row (what expired). 42501 for a non-admin.
create function public.admin_expire_inactive_balances(p_actor text, p_reason text default null, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_result jsonb;
  v_reason text;
begin
  perform public.require_admin('admin_expire_inactive_balances', p_actor);
  v_reason := public.check_reason('admin_expire_inactive_balances', p_reason, false);
  v_result := public.expire_inactive_balances(v_now, 10000);
  return v_result || pg_catalog.jsonb_build_object('audit_id', public.write_admin_audit(
    p_actor, 'expire_balances', null, 'accounts', null, v_result, v_reason, v_now));
end;
$$;
revoke all on function public.admin_expire_inactive_balances(text, text, timestamptz) from public, anon, authenticated;
grant execute on function public.admin_expire_inactive_balances(text, text, timestamptz) to service_role;

comment on column public.app_settings.balance_expiry_days is
  'Days of inactivity after which a prepaid balance expires (an ''expiry'' row in balance_ledger), enforced by expire_inactive_balances(). Null: never.';
