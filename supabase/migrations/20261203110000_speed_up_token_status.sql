-- Speed: the token status (GET /api/tokens/current, polled by every open gauge; the admin console
-- and the acknowledgement answer it too) in two statements instead of eight, as reserve_tokens
-- builds it since ..._speed_up_metering.sql: (1) the account (or what a new account would have:
-- the free plan, app_settings.starter_balance), its plan and the period, computed inline (the same
-- UTC bounds as period_bounds: plans.period is 'day' or 'month' by its check); (2) one snapshot of
-- the period's usage, the unexpired holds, the unacknowledged alerts and, when there is a balance
-- that may expire, when it would (the rule of balance_expires_at, which it still calls). Timestamps
-- are formatted inline, as format_timestamp does. Same shape, same values; read-only as before.

create or replace function public.build_token_status(p_user_id text, p_now timestamptz)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_plan_id text;
  v_plan_name text;
  v_period text;
  v_cap bigint;
  v_balance bigint;
  v_start timestamptz;
  v_resets timestamptz;
  v_used bigint;
  v_held bigint;
  v_alerts jsonb;
begin
  select p.id, p.display_name, p.period, coalesce(a.cap_override, p.token_cap),
         case when a.user_id is null then coalesce((select s.starter_balance from public.app_settings s where s.id), 0) else a.balance end
  into v_plan_id, v_plan_name, v_period, v_cap, v_balance
  from (select 1) as one
  left join public.accounts a on a.user_id = p_user_id
  join public.plans p on p.id = coalesce(a.plan_id, 'free');
  if not found then
    raise exception using errcode = 'P0002', message = 'build_token_status: the account''s plan does not exist';
  end if;
  v_start := pg_catalog.date_trunc(v_period, p_now at time zone 'UTC') at time zone 'UTC';
  v_resets := (pg_catalog.date_trunc(v_period, p_now at time zone 'UTC')
               + case when v_period = 'day' then interval '1 day' else interval '1 month' end) at time zone 'UTC';

  select coalesce((select u.plan_tokens_used from public.usage_periods u
                   where u.user_id = p_user_id and u.period = v_period and u.period_start = v_start), 0),
         coalesce((select sum(r.tokens) from public.reservations r where r.user_id = p_user_id and r.expires_at > p_now), 0),
         coalesce((select pg_catalog.jsonb_agg(
                            pg_catalog.jsonb_build_object('threshold', ua.threshold,
                              'crossed_at', pg_catalog.to_char(ua.crossed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                            order by ua.threshold)
                   from public.usage_alerts ua
                   where ua.user_id = p_user_id and ua.period = v_period and ua.period_start = v_start and ua.acknowledged_at is null),
                  '[]'::jsonb)
  into v_used, v_held, v_alerts;

  return pg_catalog.jsonb_build_object(
    'user_id', p_user_id,
    'plan', v_plan_id,
    'plan_name', v_plan_name,
    'period', v_period,
    'period_start', pg_catalog.to_char(v_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'resets_at', pg_catalog.to_char(v_resets at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
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

-- The status with balance_expires_at, for the reads. No balance, no expiry: not looked up.
create function public.token_status_with_expiry(p_user_id text, p_now timestamptz)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_status jsonb := public.build_token_status(p_user_id, p_now);
begin
  return v_status || pg_catalog.jsonb_build_object('balance_expires_at',
    case when (v_status ->> 'balance')::bigint > 0
      then pg_catalog.to_char(public.balance_expires_at(p_user_id) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    end);
end;
$$;
revoke all on function public.token_status_with_expiry(text, timestamptz) from public, anon, authenticated, service_role;

create or replace function public.get_token_status(p_user_id text, p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_user_id is null or pg_catalog.btrim(p_user_id) = '' then
    raise exception using errcode = '22023', message = 'get_token_status: p_user_id must be a non-empty string';
  end if;
  return public.token_status_with_expiry(p_user_id, coalesce(p_now, pg_catalog.now()));
end;
$$;

create or replace function public.get_my_token_status(p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_sub text := (select auth.jwt() ->> 'sub');
begin
  if v_sub is null or v_sub = '' then
    raise exception using errcode = '42501', message = 'get_my_token_status: no signed-in user (the JWT has no sub claim)';
  end if;
  return public.token_status_with_expiry(v_sub, coalesce(p_now, pg_catalog.now()));
end;
$$;
