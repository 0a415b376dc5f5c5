-- Usage alerts, part 2 of 2: the status carries them; the user acknowledges them.
--
-- build_token_status (the one place every status JSON is made: get_token_status,
-- get_my_token_status, reserve_tokens, settle_tokens and the admin functions) gains
--   alerts: [{ threshold, crossed_at }]
-- the crossings of the current period not yet acknowledged, ascending by threshold. Every other
-- field is computed exactly as before (the body below is the original's plus that one lookup, a
-- primary-key range scan of at most two rows).
--
-- Conventions as in ..._create_metering_functions.sql.

-- ---------------------------------------------------------------------------------------------
-- The gauge, with alerts
-- ---------------------------------------------------------------------------------------------
-- { user_id, plan, plan_name, period, period_start, resets_at, used, cap, held, remaining, balance,
--   alerts: [{ threshold, crossed_at }] }. Read-only. A user without an account gets what a new
-- account would have: the free plan, nothing used, balance = app_settings.starter_balance, no alerts.
-- remaining = max(max(cap - used, 0) + balance - held, 0).
create or replace function public.build_token_status(p_user_id text, p_now timestamptz)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_plan_id text;
  v_cap_override bigint;
  v_balance bigint;
  v_plan public.plans;
  v_start timestamptz;
  v_resets timestamptz;
  v_cap bigint;
  v_used bigint;
  v_held bigint;
  v_alerts jsonb;
begin
  select a.plan_id, a.cap_override, a.balance
  into v_plan_id, v_cap_override, v_balance
  from public.accounts a
  where a.user_id = p_user_id;
  if not found then
    v_plan_id := 'free';
    v_balance := coalesce((select s.starter_balance from public.app_settings s where s.id), 0);
  end if;

  select p.* into strict v_plan from public.plans p where p.id = v_plan_id;
  select b.period_start, b.resets_at into v_start, v_resets from public.period_bounds(v_plan.period, p_now) b;
  v_cap := coalesce(v_cap_override, v_plan.token_cap);

  select coalesce(sum(u.plan_tokens_used), 0)::bigint into v_used
  from public.usage_periods u
  where u.user_id = p_user_id and u.period = v_plan.period and u.period_start = v_start;

  select coalesce(sum(r.tokens), 0)::bigint into v_held
  from public.reservations r
  where r.user_id = p_user_id and r.expires_at > p_now;

  select coalesce(
    pg_catalog.jsonb_agg(
      pg_catalog.jsonb_build_object('threshold', ua.threshold, 'crossed_at', public.format_timestamp(ua.crossed_at))
      order by ua.threshold
    ),
    '[]'::jsonb
  ) into v_alerts
  from public.usage_alerts ua
  where ua.user_id = p_user_id and ua.period = v_plan.period and ua.period_start = v_start and ua.acknowledged_at is null;

  return pg_catalog.jsonb_build_object(
    'user_id', p_user_id,
    'plan', v_plan.id,
    'plan_name', v_plan.display_name,
    'period', v_plan.period,
    'period_start', public.format_timestamp(v_start),
    'resets_at', public.format_timestamp(v_resets),
    'used', v_used,
    'cap', v_cap,
    'held', v_held,
    'remaining', greatest(greatest(v_cap - v_used, 0) + v_balance - v_held, 0),
    'balance', v_balance,
    'alerts', v_alerts
  );
end;
$$;
revoke all on function public.build_token_status(text, timestamptz) from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Acknowledging alerts
-- ---------------------------------------------------------------------------------------------

-- Marks the given thresholds of the user's current period acknowledged (those not yet crossed, or
-- already acknowledged, are left alone: idempotent) and returns the status after. Internal: the two
-- RPCs below check who the user is.
create function public.mark_usage_alerts_acknowledged(
  p_function text,
  p_user_id text,
  p_thresholds integer[],
  p_now timestamptz
)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_period text;
  v_start timestamptz;
begin
  if p_thresholds is null
    or exists (select 1 from pg_catalog.unnest(p_thresholds) t (threshold) where t.threshold is null or t.threshold not in (80, 95)) then
    raise exception using errcode = '22023',
      message = pg_catalog.format('%s: p_thresholds must be an array of 80 and 95', p_function);
  end if;

  select p.period into v_period
  from public.accounts a join public.plans p on p.id = a.plan_id
  where a.user_id = p_user_id;
  if found then
    select b.period_start into v_start from public.period_bounds(v_period, p_now) b;
    update public.usage_alerts ua
    set acknowledged_at = p_now
    where ua.user_id = p_user_id
      and ua.period = v_period
      and ua.period_start = v_start
      and ua.threshold = any (p_thresholds)
      and ua.acknowledged_at is null;
  end if;
  -- No account: nothing was ever crossed, and nothing is created.
  return public.build_token_status(p_user_id, p_now);
end;
$$;
revoke all on function public.mark_usage_alerts_acknowledged(text, text, integer[], timestamptz) from public, anon, authenticated, service_role;

-- For the server, any user: the status after (as get_token_status).
create function public.acknowledge_usage_alerts(
  p_user_id text,
  p_thresholds integer[],
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform public.require_text('acknowledge_usage_alerts', 'p_user_id', p_user_id);
  return public.mark_usage_alerts_acknowledged('acknowledge_usage_alerts', p_user_id, p_thresholds, coalesce(p_now, pg_catalog.now()));
end;
$$;
comment on function public.acknowledge_usage_alerts(text, integer[], timestamptz) is
  'Acknowledges the given warning thresholds (80, 95) of the user''s current period; idempotent. Returns the status (server only).';
revoke all on function public.acknowledge_usage_alerts(text, integer[], timestamptz) from public, anon, authenticated;
grant execute on function public.acknowledge_usage_alerts(text, integer[], timestamptz) to service_role;

-- For the signed-in user (subject = auth.jwt()->>'sub'), as get_my_token_status. It takes no p_now:
-- a user acknowledges at the database's own time, in their current period only.
create function public.acknowledge_my_usage_alerts(p_thresholds integer[])
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_sub text := (select auth.jwt() ->> 'sub');
begin
  if v_sub is null or v_sub = '' then
    raise exception using errcode = '42501', message = 'acknowledge_my_usage_alerts: no signed-in user (the JWT has no sub claim)';
  end if;
  return public.mark_usage_alerts_acknowledged('acknowledge_my_usage_alerts', v_sub, p_thresholds, pg_catalog.now());
end;
$$;
comment on function public.acknowledge_my_usage_alerts(integer[]) is
  'Acknowledges the given warning thresholds (80, 95) of the current period for the user in the request JWT (sub); idempotent. Returns their status.';
revoke all on function public.acknowledge_my_usage_alerts(integer[]) from public, anon, authenticated, service_role;
grant execute on function public.acknowledge_my_usage_alerts(integer[]) to authenticated;
