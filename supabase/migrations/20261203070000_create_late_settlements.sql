-- Late settlements: a settle that arrives after the sweeper, and usage recorded after the fact.
--
-- A server that cannot reach the database when a reply ends keeps the settlement in its local spool
-- (lib/metering/spool.ts) and replays it when the database is back. Meanwhile the hold has gone
-- silent, so any instance's sweeper may settle it first, as 'aborted' at its last checkpoint: less
-- than what was really streamed. Until now the late settle was then "already settled" and the rest
-- was lost. Now:
--
--   * the sweeper's ledger rows are marked (usage_ledger.swept);
--   * a settle (never the sweeper's) for a request the sweeper settled charges what the sweeper
--     missed, once, as a second ledger row 'request_id+late' (corrects = request_id) in the same
--     period and with the same order (plan allowance first, then balance). The ledger stays
--     append-only and every row still has plan_tokens + balance_tokens = total_tokens. If the real
--     total is not above what the sweeper charged (the sweeper's prompt estimate can be above the
--     provider's count), nothing more is charged: no refunds;
--   * a settle given an earlier p_now (the spool passes the time the reply ended) never moves the
--     account's last_active_at backwards.
--
-- settle_tokens gains p_swept (default false; only sweep_stale_holds passes true), so it is dropped
-- and created again; a caller naming its arguments (both adapters do) is unaffected.
--
-- The status read by the gauge (get_token_status, get_my_token_status) also gains
-- balance_expires_at: when the prepaid balance would expire under app_settings.balance_expiry_days if
-- the account stayed inactive (null: it never does, or there is no balance). Computed as
-- expire_inactive_balances decides: the latest of the last settled request, the last credit and the
-- account's creation, plus the days. Only the reads carry it, not reserve and settle.

alter table public.usage_ledger
  add column swept boolean not null default false,
  add column corrects text check (corrects is null or pg_catalog.length(corrects) > 0);
comment on column public.usage_ledger.swept is 'Settled by the sweeper (sweep_stale_holds) at the hold''s last checkpoint, not by the serving instance.';
comment on column public.usage_ledger.corrects is 'For a late settlement''s row (request_id = corrects || ''+late''): the swept request it completes.';

drop function public.settle_tokens(text, text, text, bigint, bigint, numeric, integer, text, timestamptz);

-- status (at p_now) || { ok: true, request_id, total_tokens, plan_tokens, balance_tokens,
--                        charged_period, charged_period_start, already_settled }
-- A late settlement after the sweeper reports the request's totals over both rows, already_settled false.
create function public.settle_tokens(
  p_request_id text,
  p_user_id text,
  p_model text,
  p_input_tokens bigint,
  p_output_tokens bigint,
  p_cost_usd numeric default null,
  p_latency_ms integer default null,
  p_outcome text default 'ok',
  p_now timestamptz default now(),
  p_swept boolean default false
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_balance bigint;
  v_cap bigint;
  v_plan_period text;
  v_ledger public.usage_ledger;
  v_late public.usage_ledger;
  v_reservation public.reservations;
  v_period text;
  v_start timestamptz;
  v_used bigint;
  v_total bigint;
  v_charge bigint;
  v_late_input bigint;
  v_plan_part bigint;
  v_balance_part bigint;
  v_ledger_request_id text := p_request_id;
begin
  perform public.require_text('settle_tokens', 'p_request_id', p_request_id);
  perform public.require_text('settle_tokens', 'p_user_id', p_user_id);
  perform public.require_text('settle_tokens', 'p_model', p_model);
  perform public.require_tokens('settle_tokens', 'p_input_tokens', p_input_tokens, 0);
  perform public.require_tokens('settle_tokens', 'p_output_tokens', p_output_tokens, 0);
  if p_outcome is null or p_outcome not in ('ok', 'aborted', 'error') then
    raise exception using errcode = '22023',
      message = pg_catalog.format('settle_tokens: p_outcome must be ''ok'', ''aborted'' or ''error'' (got %L)', p_outcome);
  end if;
  if p_cost_usd < 0 then
    raise exception using errcode = '22023', message = 'settle_tokens: p_cost_usd must be >= 0';
  end if;
  if p_latency_ms < 0 then
    raise exception using errcode = '22023', message = 'settle_tokens: p_latency_ms must be >= 0';
  end if;

  perform public.ensure_account(p_user_id, v_now);
  select a.balance, coalesce(a.cap_override, p.token_cap), p.period
  into strict v_balance, v_cap, v_plan_period
  from public.accounts a join public.plans p on p.id = a.plan_id
  where a.user_id = p_user_id
  for update of a;

  v_total := p_input_tokens + p_output_tokens;
  v_charge := v_total;
  v_late_input := p_input_tokens;

  select u.* into v_ledger from public.usage_ledger u where u.request_id = p_request_id;
  if found then
    if v_ledger.user_id <> p_user_id then
      raise exception using errcode = '22023',
        message = pg_catalog.format('settle_tokens: request %s belongs to another user', p_request_id);
    end if;
    select u.* into v_late from public.usage_ledger u where u.request_id = p_request_id || '+late';
    -- Idempotent: a retried settle charges nothing and reports the first settlement (with its
    -- late part, if any). So is the sweeper, and a settle the sweeper already matched or exceeded.
    if p_swept or not v_ledger.swept or v_late.request_id is not null or v_total <= v_ledger.total_tokens then
      return public.build_token_status(p_user_id, v_now) || pg_catalog.jsonb_build_object(
        'ok', true,
        'request_id', p_request_id,
        'total_tokens', v_ledger.total_tokens + coalesce(v_late.total_tokens, 0),
        'plan_tokens', v_ledger.plan_tokens + coalesce(v_late.plan_tokens, 0),
        'balance_tokens', v_ledger.balance_tokens + coalesce(v_late.balance_tokens, 0),
        'charged_period', v_ledger.period,
        'charged_period_start', public.format_timestamp(v_ledger.period_start),
        'already_settled', true
      );
    end if;
    -- The sweeper settled this request at its last checkpoint; charge the rest, in its period.
    v_ledger_request_id := p_request_id || '+late';
    v_charge := v_total - v_ledger.total_tokens;
    v_late_input := least(greatest(p_input_tokens - v_ledger.input_tokens, 0), v_charge);
    v_period := v_ledger.period;
    v_start := v_ledger.period_start;
  else
    -- Charge the period the request was reserved in (even if its hold has expired since),
    -- else the one of p_now.
    select r.* into v_reservation from public.reservations r where r.request_id = p_request_id;
    if found then
      if v_reservation.user_id <> p_user_id then
        raise exception using errcode = '22023',
          message = pg_catalog.format('settle_tokens: request %s belongs to another user', p_request_id);
      end if;
      v_period := v_reservation.period;
      v_start := v_reservation.period_start;
    else
      v_period := v_plan_period;
      select b.period_start into v_start from public.period_bounds(v_period, v_now) b;
    end if;
  end if;

  select coalesce((
    select u.plan_tokens_used from public.usage_periods u
    where u.user_id = p_user_id and u.period = v_period and u.period_start = v_start
  ), 0) into v_used;

  v_plan_part := least(v_charge, greatest(v_cap - v_used, 0));
  v_balance_part := least(v_charge - v_plan_part, v_balance);
  -- Whatever neither covers (the upstream overshot its hold) is charged to the plan: used may
  -- exceed cap, and the next reserve refuses.
  v_plan_part := v_charge - v_balance_part;

  if v_plan_part > 0 then
    insert into public.usage_periods as u (user_id, period, period_start, plan_tokens_used, updated_at)
    values (p_user_id, v_period, v_start, v_plan_part, v_now)
    on conflict (user_id, period, period_start)
    do update set plan_tokens_used = u.plan_tokens_used + excluded.plan_tokens_used, updated_at = greatest(u.updated_at, excluded.updated_at);
  end if;

  update public.accounts a
  set balance = a.balance - v_balance_part, last_active_at = greatest(a.last_active_at, v_now)
  where a.user_id = p_user_id;

  if v_balance_part > 0 then
    insert into public.balance_ledger (user_id, delta, kind, reason, request_id, created_at)
    values (p_user_id, -v_balance_part, 'usage', 'usage', p_request_id, v_now);
  end if;

  insert into public.usage_ledger (
    request_id, user_id, model, input_tokens, output_tokens, total_tokens, plan_tokens, balance_tokens,
    cost_usd, latency_ms, outcome, period, period_start, created_at, swept, corrects
  ) values (
    v_ledger_request_id, p_user_id, p_model, v_late_input, v_charge - v_late_input, v_charge, v_plan_part, v_balance_part,
    -- The provider's reported cost when known, else the catalogue's prices (USD per million tokens).
    -- A late row carries the cost of its own tokens only.
    case when v_ledger_request_id = p_request_id and p_cost_usd is not null then p_cost_usd else
      (select pg_catalog.round((v_late_input * m.input_price_per_mtok + (v_charge - v_late_input) * m.output_price_per_mtok) / 1000000, 10)
       from public.models m where m.id = p_model)
    end,
    p_latency_ms, p_outcome, v_period, v_start, v_now, p_swept,
    case when v_ledger_request_id = p_request_id then null else p_request_id end
  );

  delete from public.reservations r where r.request_id = p_request_id;

  return public.build_token_status(p_user_id, v_now) || pg_catalog.jsonb_build_object(
    'ok', true,
    'request_id', p_request_id,
    'total_tokens', v_charge + coalesce(v_ledger.total_tokens, 0),
    'plan_tokens', v_plan_part + coalesce(v_ledger.plan_tokens, 0),
    'balance_tokens', v_balance_part + coalesce(v_ledger.balance_tokens, 0),
    'charged_period', v_period,
    'charged_period_start', public.format_timestamp(v_start),
    'already_settled', false
  );
end;
$$;
comment on function public.settle_tokens(text, text, text, bigint, bigint, numeric, integer, text, timestamptz, boolean) is
  'Charges input + output tokens once per request id: plan allowance first, then balance; removes the hold. Works without a hold (released or expired): tokens consumed are always charged. After the sweeper (p_swept), a settle charges what it missed once, as request_id+late.';
revoke all on function public.settle_tokens(text, text, text, bigint, bigint, numeric, integer, text, timestamptz, boolean) from public, anon, authenticated;
grant execute on function public.settle_tokens(text, text, text, bigint, bigint, numeric, integer, text, timestamptz, boolean) to service_role;

-- The sweeper, as before (see ..._create_hold_checkpoints.sql), its settlements marked swept.
create or replace function public.sweep_stale_holds(p_now timestamptz default now(), p_silence_seconds integer default 30, p_limit integer default 100)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_hold record;
  v_result jsonb;
  v_swept integer := 0;
  v_released integer := 0;
  v_tokens bigint := 0;
begin
  if p_silence_seconds is null or p_silence_seconds < 10 or p_silence_seconds > 86400 then
    raise exception using errcode = '22023', message = 'sweep_stale_holds: p_silence_seconds must be from 10 to 86400';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 10000 then
    raise exception using errcode = '22023', message = 'sweep_stale_holds: p_limit must be from 1 to 10000';
  end if;
  for v_hold in
    select r.request_id, r.user_id, r.model, coalesce(r.prompt_tokens, 0) as prompt_tokens, r.output_tokens, r.checkpoint_at
    from public.reservations r
    where coalesce(r.checkpoint_at, r.created_at) < v_now - pg_catalog.make_interval(secs => p_silence_seconds)
    order by coalesce(r.checkpoint_at, r.created_at), r.request_id
    limit p_limit
  loop
    if v_hold.checkpoint_at is null then
      if (public.release_tokens(v_hold.request_id) ->> 'released')::boolean then
        v_released := v_released + 1;
      end if;
      continue;
    end if;
    v_result := public.settle_tokens(
      p_request_id => v_hold.request_id, p_user_id => v_hold.user_id, p_model => v_hold.model,
      p_input_tokens => v_hold.prompt_tokens, p_output_tokens => v_hold.output_tokens,
      p_outcome => 'aborted', p_now => v_now, p_swept => true);
    if not coalesce((v_result ->> 'already_settled')::boolean, false) then
      v_swept := v_swept + 1;
      v_tokens := v_tokens + (v_result ->> 'total_tokens')::bigint;
    end if;
  end loop;
  return pg_catalog.jsonb_build_object('swept', v_swept, 'released', v_released, 'tokens', v_tokens);
end;
$$;

-- When the balance would expire if the account stayed inactive; null when it never would.
create function public.balance_expires_at(p_user_id text)
returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
  select greatest(
           coalesce(a.last_active_at, a.created_at),
           a.created_at,
           (select pg_catalog.max(b.created_at) from public.balance_ledger b where b.user_id = a.user_id and b.delta > 0)
         ) + pg_catalog.make_interval(days => s.balance_expiry_days)
  from public.accounts a, public.app_settings s
  where a.user_id = p_user_id and s.id and s.balance_expiry_days is not null and a.balance > 0
$$;
revoke all on function public.balance_expires_at(text) from public, anon, authenticated, service_role;

create or replace function public.get_token_status(p_user_id text, p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform public.require_text('get_token_status', 'p_user_id', p_user_id);
  return public.build_token_status(p_user_id, coalesce(p_now, pg_catalog.now()))
    || pg_catalog.jsonb_build_object('balance_expires_at', public.format_timestamp(public.balance_expires_at(p_user_id)));
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
  return public.build_token_status(v_sub, coalesce(p_now, pg_catalog.now()))
    || pg_catalog.jsonb_build_object('balance_expires_at', public.format_timestamp(public.balance_expires_at(v_sub)));
end;
$$;

-- The acknowledgement answers the same status as the reads (the gauge shows what it answers).
create or replace function public.acknowledge_usage_alerts(
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
  return public.mark_usage_alerts_acknowledged('acknowledge_usage_alerts', p_user_id, p_thresholds, coalesce(p_now, pg_catalog.now()))
    || pg_catalog.jsonb_build_object('balance_expires_at', public.format_timestamp(public.balance_expires_at(p_user_id)));
end;
$$;

create or replace function public.acknowledge_my_usage_alerts(p_thresholds integer[])
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
  return public.mark_usage_alerts_acknowledged('acknowledge_my_usage_alerts', v_sub, p_thresholds, pg_catalog.now())
    || pg_catalog.jsonb_build_object('balance_expires_at', public.format_timestamp(public.balance_expires_at(v_sub)));
end;
$$;
