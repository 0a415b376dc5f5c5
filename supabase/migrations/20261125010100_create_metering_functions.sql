-- Metering core, part 2 of 3: the functions. All quota arithmetic happens here, in one transaction
-- per call, serialised per user by a row lock on public.accounts, so it is atomic whichever server
-- instance calls it (node-postgres locally, supabase-js .rpc() on a hosted project).
--
-- Conventions:
--   * RPC functions are SECURITY DEFINER (they run as the owner of the tables, which RLS does not
--     restrict) with search_path = '' (every name qualified), and return jsonb.
--   * Each RPC that depends on the time takes p_now timestamptz default now() as its LAST parameter
--     so tests can place a call at any instant. The server never passes it.
--   * Bad input raises SQLSTATE 22023 (invalid_parameter_value) with a message naming the function
--     and the parameter. Business refusals are not errors: { ok: false, reason: ... }.
--   * Timestamps in results are ISO-8601 strings in UTC with milliseconds, e.g.
--     "2026-11-25T00:00:00.000Z" (the format of JavaScript's Date.prototype.toISOString).
--   * EXECUTE is revoked from public, anon and authenticated right after each function is created
--     (Supabase's default privileges grant every new function to all API roles).
--   * Internal helpers are SECURITY INVOKER and granted to nobody: only the owner (and so the
--     SECURITY DEFINER functions) can call them.

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- The one definition of a period: UTC calendar days ('day') and UTC calendar months ('month').
-- Independent of the session's TimeZone: the arithmetic is done on UTC wall-clock timestamps.
create function public.period_bounds(
  p_period text,
  p_at timestamptz,
  out period_start timestamptz,
  out resets_at timestamptz
)
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_utc timestamp;
  v_start timestamp;
begin
  if p_at is null then
    raise exception using errcode = '22023', message = 'period_bounds: p_at must not be null';
  end if;
  v_utc := p_at at time zone 'UTC';
  if p_period = 'day' then
    v_start := pg_catalog.date_trunc('day', v_utc);
    resets_at := (v_start + interval '1 day') at time zone 'UTC';
  elsif p_period = 'month' then
    v_start := pg_catalog.date_trunc('month', v_utc);
    resets_at := (v_start + interval '1 month') at time zone 'UTC';
  else
    raise exception using errcode = '22023',
      message = pg_catalog.format('period_bounds: unknown period %L (expected ''day'' or ''month'')', p_period);
  end if;
  period_start := v_start at time zone 'UTC';
end;
$$;
comment on function public.period_bounds(text, timestamptz) is
  'UTC period containing p_at: [period_start, resets_at). day = UTC calendar day, month = UTC calendar month.';
revoke all on function public.period_bounds(text, timestamptz) from public, anon, authenticated;
grant execute on function public.period_bounds(text, timestamptz) to service_role;

-- 2026-11-25T00:00:00.000Z
create function public.format_timestamp(p_at timestamptz)
returns text
language sql
stable
parallel safe
set search_path = ''
as $$
  select pg_catalog.to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
revoke all on function public.format_timestamp(timestamptz) from public, anon, authenticated, service_role;

-- Validation helpers: raise 22023 with a clear message.
create function public.require_text(p_function text, p_name text, p_value text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_value is null or pg_catalog.btrim(p_value) = '' then
    raise exception using errcode = '22023',
      message = pg_catalog.format('%s: %s must be a non-empty string', p_function, p_name);
  end if;
end;
$$;
revoke all on function public.require_text(text, text, text) from public, anon, authenticated, service_role;

create function public.require_tokens(p_function text, p_name text, p_value bigint, p_min bigint)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_value is null or p_value < p_min then
    raise exception using errcode = '22023',
      message = pg_catalog.format('%s: %s must be an integer >= %s (got %s)', p_function, p_name, p_min, coalesce(p_value::text, 'null'));
  end if;
end;
$$;
revoke all on function public.require_tokens(text, text, bigint, bigint) from public, anon, authenticated, service_role;

-- Creates the account on first use: free plan, starter balance (with its 'grant' ledger row).
-- Race-safe: concurrent first calls insert once; the others do nothing. Returns true if created.
create function public.ensure_account(p_user_id text, p_now timestamptz)
returns boolean
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_starter bigint;
  v_created text;
begin
  -- The common case (the account exists) costs one index lookup and writes nothing.
  if exists (select 1 from public.accounts a where a.user_id = p_user_id) then
    return false;
  end if;
  v_starter := coalesce((select s.starter_balance from public.app_settings s where s.id), 0);
  insert into public.accounts (user_id, balance, created_at)
  values (p_user_id, v_starter, p_now)
  on conflict (user_id) do nothing
  returning user_id into v_created;
  if v_created is null then
    return false;
  end if;
  if v_starter > 0 then
    insert into public.balance_ledger (user_id, delta, kind, reason, created_at)
    values (p_user_id, v_starter, 'grant', 'starter balance', p_now);
  end if;
  return true;
end;
$$;
revoke all on function public.ensure_account(text, timestamptz) from public, anon, authenticated, service_role;

-- The gauge: { user_id, plan, plan_name, period, period_start, resets_at, used, cap, held,
-- remaining, balance }. Read-only. A user without an account gets what a new account would have:
-- the free plan, nothing used, balance = app_settings.starter_balance.
-- remaining = max(max(cap - used, 0) + balance - held, 0).
create function public.build_token_status(p_user_id text, p_now timestamptz)
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
    'balance', v_balance
  );
end;
$$;
revoke all on function public.build_token_status(text, timestamptz) from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- reserve_tokens: hold between p_min_tokens and p_max_tokens for one request, atomically.
-- ---------------------------------------------------------------------------------------------
-- ok:      status || { ok: true, request_id, reserved, model, expires_at, already_reserved }
--          (held includes this hold; remaining is after it)
-- refused: status || { ok: false, reason: 'quota_exceeded' | 'unknown_model' | 'model_not_allowed' | 'prompt_too_long' | 'already_settled', request_id }
create function public.reserve_tokens(
  p_user_id text,
  p_request_id text,
  p_model text,
  p_min_tokens bigint,
  p_max_tokens bigint,
  p_now timestamptz default now(),
  p_prompt_tokens bigint default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_plan public.plans;
  v_model public.models;
  v_existing public.reservations;
  v_status jsonb;
  v_remaining bigint;
  v_granted bigint;
  v_prompt bigint;
  v_min bigint := p_min_tokens;
  v_max bigint := p_max_tokens;
  v_ttl integer;
  v_start timestamptz;
  v_expires timestamptz;
begin
  perform public.require_text('reserve_tokens', 'p_user_id', p_user_id);
  perform public.require_text('reserve_tokens', 'p_request_id', p_request_id);
  perform public.require_text('reserve_tokens', 'p_model', p_model);
  perform public.require_tokens('reserve_tokens', 'p_min_tokens', p_min_tokens, 1);
  perform public.require_tokens('reserve_tokens', 'p_max_tokens', p_max_tokens, p_min_tokens);
  if p_prompt_tokens is not null and (p_prompt_tokens < 0 or p_prompt_tokens >= p_min_tokens) then
    raise exception using errcode = '22023',
      message = 'reserve_tokens: p_prompt_tokens must be at least 0 and less than p_min_tokens';
  end if;

  perform public.ensure_account(p_user_id, v_now);
  -- The lock that serialises every metering call of this user.
  select p.* into strict v_plan
  from public.accounts a join public.plans p on p.id = a.plan_id
  where a.user_id = p_user_id
  for update of a;

  -- Housekeeping: holds that expired more than an hour ago will never be settled against.
  delete from public.reservations r
  where r.user_id = p_user_id and r.expires_at <= v_now - interval '1 hour';

  if exists (select 1 from public.usage_ledger u where u.request_id = p_request_id) then
    return public.build_token_status(p_user_id, v_now)
      || pg_catalog.jsonb_build_object('ok', false, 'reason', 'already_settled', 'request_id', p_request_id);
  end if;

  select r.* into v_existing from public.reservations r where r.request_id = p_request_id;
  if found then
    if v_existing.user_id <> p_user_id then
      raise exception using errcode = '22023',
        message = pg_catalog.format('reserve_tokens: request %s belongs to another user', p_request_id);
    end if;
    if v_existing.expires_at > v_now then
      -- A retry: the hold already exists; do not hold twice.
      return public.build_token_status(p_user_id, v_now) || pg_catalog.jsonb_build_object(
        'ok', true,
        'request_id', p_request_id,
        'reserved', v_existing.tokens,
        'prompt_tokens', v_existing.prompt_tokens,
        'model', v_existing.model,
        'expires_at', public.format_timestamp(v_existing.expires_at),
        'already_reserved', true
      );
    end if;
    -- The earlier hold expired (it no longer counts): reserve afresh under the same id.
    delete from public.reservations r where r.request_id = p_request_id;
  end if;

  select m.* into v_model from public.models m where m.id = p_model and m.enabled;
  if not found then
    return public.build_token_status(p_user_id, v_now)
      || pg_catalog.jsonb_build_object('ok', false, 'reason', 'unknown_model', 'request_id', p_request_id, 'model', p_model);
  end if;
  if not (v_model.tier = any (v_plan.model_tiers)) then
    return public.build_token_status(p_user_id, v_now)
      || pg_catalog.jsonb_build_object('ok', false, 'reason', 'model_not_allowed', 'request_id', p_request_id, 'model', p_model);
  end if;
  -- A chat request gives the prompt's size as our tokenizer counts it. Other providers' tokenizers
  -- count more, so the prompt part of the hold is scaled by the model's prompt_token_factor.
  if p_prompt_tokens is not null then
    v_prompt := pg_catalog.ceil(p_prompt_tokens * v_model.prompt_token_factor)::bigint;
    v_min := p_min_tokens + (v_prompt - p_prompt_tokens);
    v_max := p_max_tokens + (v_prompt - p_prompt_tokens);
  end if;
  -- A chat request can never need more than the model's context window.
  if p_prompt_tokens is not null and v_min > v_model.context_window then
    return public.build_token_status(p_user_id, v_now) || pg_catalog.jsonb_build_object(
      'ok', false, 'reason', 'prompt_too_long', 'request_id', p_request_id, 'model', p_model,
      'context_window', v_model.context_window, 'needed', v_min
    );
  end if;

  v_status := public.build_token_status(p_user_id, v_now);
  v_remaining := (v_status ->> 'remaining')::bigint;
  if v_remaining < v_min then
    return v_status || pg_catalog.jsonb_build_object('ok', false, 'reason', 'quota_exceeded', 'request_id', p_request_id, 'needed', v_min);
  end if;

  v_granted := least(v_max, v_remaining);
  -- With the prompt's size known, the output part of the hold is capped by the plan's per-request
  -- limit, and the whole hold by the model's context window.
  if p_prompt_tokens is not null then
    v_granted := least(v_granted, v_prompt + v_plan.max_output_tokens, v_model.context_window::bigint);
  end if;
  v_ttl := coalesce((select s.hold_ttl_seconds from public.app_settings s where s.id), 600);
  v_expires := v_now + pg_catalog.make_interval(secs => v_ttl);
  select b.period_start into v_start from public.period_bounds(v_plan.period, v_now) b;

  insert into public.reservations (request_id, user_id, tokens, prompt_tokens, model, period, period_start, created_at, expires_at)
  values (p_request_id, p_user_id, v_granted, v_prompt, p_model, v_plan.period, v_start, v_now, v_expires);

  -- The status read above, with this hold added (nothing else can change it: the account is locked).
  return v_status || pg_catalog.jsonb_build_object(
    'held', (v_status ->> 'held')::bigint + v_granted,
    'remaining', v_remaining - v_granted,
    'ok', true,
    'request_id', p_request_id,
    'reserved', v_granted,
    -- The prompt part of the hold (scaled); reserved minus this is the output budget for max_tokens.
    'prompt_tokens', v_prompt,
    'model', p_model,
    'expires_at', public.format_timestamp(v_expires),
    'already_reserved', false
  );
end;
$$;
comment on function public.reserve_tokens(text, text, text, bigint, bigint, timestamptz, bigint) is
  'Holds least(p_max_tokens, remaining) tokens if remaining >= p_min_tokens. Idempotent on p_request_id. Creates the account on first use.';
revoke all on function public.reserve_tokens(text, text, text, bigint, bigint, timestamptz, bigint) from public, anon, authenticated;
grant execute on function public.reserve_tokens(text, text, text, bigint, bigint, timestamptz, bigint) to service_role;

-- ---------------------------------------------------------------------------------------------
-- settle_tokens: charge what a request really used, once. Plan allowance first, then balance.
-- ---------------------------------------------------------------------------------------------
-- status (at p_now) || { ok: true, request_id, total_tokens, plan_tokens, balance_tokens,
--                        charged_period, charged_period_start, already_settled }
create function public.settle_tokens(
  p_request_id text,
  p_user_id text,
  p_model text,
  p_input_tokens bigint,
  p_output_tokens bigint,
  p_cost_usd numeric default null,
  p_latency_ms integer default null,
  p_outcome text default 'ok',
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
  v_balance bigint;
  v_cap bigint;
  v_plan_period text;
  v_ledger public.usage_ledger;
  v_reservation public.reservations;
  v_period text;
  v_start timestamptz;
  v_used bigint;
  v_total bigint;
  v_plan_part bigint;
  v_balance_part bigint;
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

  -- Idempotent: a retried settle charges nothing and reports the first settlement.
  select u.* into v_ledger from public.usage_ledger u where u.request_id = p_request_id;
  if found then
    if v_ledger.user_id <> p_user_id then
      raise exception using errcode = '22023',
        message = pg_catalog.format('settle_tokens: request %s belongs to another user', p_request_id);
    end if;
    return public.build_token_status(p_user_id, v_now) || pg_catalog.jsonb_build_object(
      'ok', true,
      'request_id', p_request_id,
      'total_tokens', v_ledger.total_tokens,
      'plan_tokens', v_ledger.plan_tokens,
      'balance_tokens', v_ledger.balance_tokens,
      'charged_period', v_ledger.period,
      'charged_period_start', public.format_timestamp(v_ledger.period_start),
      'already_settled', true
    );
  end if;

  -- Charge the period the request was reserved in (even if its hold has expired since),
  -- else the current one.
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

  select coalesce((
    select u.plan_tokens_used from public.usage_periods u
    where u.user_id = p_user_id and u.period = v_period and u.period_start = v_start
  ), 0) into v_used;

  v_total := p_input_tokens + p_output_tokens;
  v_plan_part := least(v_total, greatest(v_cap - v_used, 0));
  v_balance_part := least(v_total - v_plan_part, v_balance);
  -- Whatever neither covers (the upstream overshot its hold) is charged to the plan: used may
  -- exceed cap, and the next reserve refuses.
  v_plan_part := v_total - v_balance_part;

  if v_plan_part > 0 then
    insert into public.usage_periods as u (user_id, period, period_start, plan_tokens_used, updated_at)
    values (p_user_id, v_period, v_start, v_plan_part, v_now)
    on conflict (user_id, period, period_start)
    do update set plan_tokens_used = u.plan_tokens_used + excluded.plan_tokens_used, updated_at = excluded.updated_at;
  end if;

  update public.accounts a
  set balance = a.balance - v_balance_part, last_active_at = v_now
  where a.user_id = p_user_id;

  if v_balance_part > 0 then
    insert into public.balance_ledger (user_id, delta, kind, reason, request_id, created_at)
    values (p_user_id, -v_balance_part, 'usage', 'usage', p_request_id, v_now);
  end if;

  insert into public.usage_ledger (
    request_id, user_id, model, input_tokens, output_tokens, total_tokens, plan_tokens, balance_tokens,
    cost_usd, latency_ms, outcome, period, period_start, created_at
  ) values (
    p_request_id, p_user_id, p_model, p_input_tokens, p_output_tokens, v_total, v_plan_part, v_balance_part,
    -- The provider's reported cost when known, else the catalogue's prices (USD per million tokens).
    coalesce(
      p_cost_usd,
      (select pg_catalog.round((p_input_tokens * m.input_price_per_mtok + p_output_tokens * m.output_price_per_mtok) / 1000000, 10)
       from public.models m where m.id = p_model)
    ),
    p_latency_ms, p_outcome, v_period, v_start, v_now
  );

  delete from public.reservations r where r.request_id = p_request_id;

  return public.build_token_status(p_user_id, v_now) || pg_catalog.jsonb_build_object(
    'ok', true,
    'request_id', p_request_id,
    'total_tokens', v_total,
    'plan_tokens', v_plan_part,
    'balance_tokens', v_balance_part,
    'charged_period', v_period,
    'charged_period_start', public.format_timestamp(v_start),
    'already_settled', false
  );
end;
$$;
comment on function public.settle_tokens(text, text, text, bigint, bigint, numeric, integer, text, timestamptz) is
  'Charges input + output tokens once per request id: plan allowance first, then balance; removes the hold. Works without a hold (released or expired): tokens consumed are always charged.';
revoke all on function public.settle_tokens(text, text, text, bigint, bigint, numeric, integer, text, timestamptz) from public, anon, authenticated;
grant execute on function public.settle_tokens(text, text, text, bigint, bigint, numeric, integer, text, timestamptz) to service_role;

-- ---------------------------------------------------------------------------------------------
-- release_tokens: drop a hold without charge. Idempotent.
-- ---------------------------------------------------------------------------------------------
-- { ok: true, request_id, released }  (released = false when there was no hold)
create function public.release_tokens(p_request_id text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id text;
  v_deleted integer;
begin
  perform public.require_text('release_tokens', 'p_request_id', p_request_id);

  select r.user_id into v_user_id from public.reservations r where r.request_id = p_request_id;
  if not found then
    return pg_catalog.jsonb_build_object('ok', true, 'request_id', p_request_id, 'released', false);
  end if;

  perform 1 from public.accounts a where a.user_id = v_user_id for update;
  delete from public.reservations r where r.request_id = p_request_id;
  get diagnostics v_deleted = row_count;
  return pg_catalog.jsonb_build_object('ok', true, 'request_id', p_request_id, 'released', v_deleted > 0);
end;
$$;
comment on function public.release_tokens(text) is 'Removes the hold of a request without charging it. Idempotent; released = false when there was none.';
revoke all on function public.release_tokens(text) from public, anon, authenticated;
grant execute on function public.release_tokens(text) to service_role;

-- ---------------------------------------------------------------------------------------------
-- Status
-- ---------------------------------------------------------------------------------------------
-- { user_id, plan, plan_name, period, period_start, resets_at, used, cap, held, remaining, balance }
create function public.get_token_status(p_user_id text, p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform public.require_text('get_token_status', 'p_user_id', p_user_id);
  return public.build_token_status(p_user_id, coalesce(p_now, pg_catalog.now()));
end;
$$;
comment on function public.get_token_status(text, timestamptz) is
  'Read-only gauge for any user (server only). An unknown user gets the free plan with balance = app_settings.starter_balance; no account is created.';
revoke all on function public.get_token_status(text, timestamptz) from public, anon, authenticated;
grant execute on function public.get_token_status(text, timestamptz) to service_role;

-- The signed-in user's own gauge, for the authenticated role (subject = auth.jwt()->>'sub').
create function public.get_my_token_status(p_now timestamptz default now())
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
  return public.build_token_status(v_sub, coalesce(p_now, pg_catalog.now()));
end;
$$;
comment on function public.get_my_token_status(timestamptz) is 'The gauge of the user in the request JWT (sub). Read-only.';
revoke all on function public.get_my_token_status(timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.get_my_token_status(timestamptz) to authenticated;

-- ---------------------------------------------------------------------------------------------
-- Admin (server only; p_actor is the admin's user id and is recorded). Each creates the account
-- if missing, locks it, writes its ledger or audit row and returns status || { ok, ... }.
-- ---------------------------------------------------------------------------------------------

-- status || { ok: true, changed, previous_plan }
create function public.admin_set_plan(
  p_user_id text,
  p_plan_id text,
  p_actor text,
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
  v_old text;
begin
  perform public.require_text('admin_set_plan', 'p_user_id', p_user_id);
  perform public.require_text('admin_set_plan', 'p_plan_id', p_plan_id);
  perform public.require_text('admin_set_plan', 'p_actor', p_actor);
  if not exists (select 1 from public.plans p where p.id = p_plan_id) then
    raise exception using errcode = '22023', message = pg_catalog.format('admin_set_plan: unknown plan %L', p_plan_id);
  end if;

  perform public.ensure_account(p_user_id, v_now);
  select a.plan_id into strict v_old from public.accounts a where a.user_id = p_user_id for update;

  if v_old is distinct from p_plan_id then
    update public.accounts a set plan_id = p_plan_id where a.user_id = p_user_id;
    insert into public.account_events (user_id, kind, old_value, new_value, actor, created_at)
    values (p_user_id, 'plan_changed', pg_catalog.to_jsonb(v_old), pg_catalog.to_jsonb(p_plan_id), p_actor, v_now);
  end if;

  return public.build_token_status(p_user_id, v_now)
    || pg_catalog.jsonb_build_object('ok', true, 'changed', v_old is distinct from p_plan_id, 'previous_plan', v_old);
end;
$$;
revoke all on function public.admin_set_plan(text, text, text, timestamptz) from public, anon, authenticated;
grant execute on function public.admin_set_plan(text, text, text, timestamptz) to service_role;

-- p_cap = null clears the override. status || { ok: true, changed, cap_override, previous_cap_override }
create function public.admin_set_cap_override(
  p_user_id text,
  p_cap bigint,
  p_actor text,
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
  v_old bigint;
begin
  perform public.require_text('admin_set_cap_override', 'p_user_id', p_user_id);
  perform public.require_text('admin_set_cap_override', 'p_actor', p_actor);
  if p_cap is not null then
    perform public.require_tokens('admin_set_cap_override', 'p_cap', p_cap, 0);
  end if;

  perform public.ensure_account(p_user_id, v_now);
  select a.cap_override into v_old from public.accounts a where a.user_id = p_user_id for update;

  if v_old is distinct from p_cap then
    update public.accounts a set cap_override = p_cap where a.user_id = p_user_id;
    insert into public.account_events (user_id, kind, old_value, new_value, actor, created_at)
    values (
      p_user_id,
      case when p_cap is null then 'cap_override_cleared' else 'cap_override_set' end,
      pg_catalog.to_jsonb(v_old),
      pg_catalog.to_jsonb(p_cap),
      p_actor,
      v_now
    );
  end if;

  return public.build_token_status(p_user_id, v_now) || pg_catalog.jsonb_build_object(
    'ok', true, 'changed', v_old is distinct from p_cap, 'cap_override', p_cap, 'previous_cap_override', v_old
  );
end;
$$;
revoke all on function public.admin_set_cap_override(text, bigint, text, timestamptz) from public, anon, authenticated;
grant execute on function public.admin_set_cap_override(text, bigint, text, timestamptz) to service_role;

-- status || { ok: true, balance_ledger_id }
create function public.admin_grant_tokens(
  p_user_id text,
  p_tokens bigint,
  p_reason text,
  p_actor text,
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
  v_id bigint;
begin
  perform public.require_text('admin_grant_tokens', 'p_user_id', p_user_id);
  perform public.require_tokens('admin_grant_tokens', 'p_tokens', p_tokens, 1);
  perform public.require_text('admin_grant_tokens', 'p_reason', p_reason);
  perform public.require_text('admin_grant_tokens', 'p_actor', p_actor);

  perform public.ensure_account(p_user_id, v_now);
  perform 1 from public.accounts a where a.user_id = p_user_id for update;

  insert into public.balance_ledger (user_id, delta, kind, reason, actor, created_at)
  values (p_user_id, p_tokens, 'grant', p_reason, p_actor, v_now)
  returning id into v_id;
  update public.accounts a set balance = a.balance + p_tokens where a.user_id = p_user_id;

  return public.build_token_status(p_user_id, v_now) || pg_catalog.jsonb_build_object('ok', true, 'balance_ledger_id', v_id);
end;
$$;
revoke all on function public.admin_grant_tokens(text, bigint, text, text, timestamptz) from public, anon, authenticated;
grant execute on function public.admin_grant_tokens(text, bigint, text, text, timestamptz) to service_role;

-- A payment reference credits once, ever (for any user):
-- status || { ok: true, balance_ledger_id } or status || { ok: false, reason: 'duplicate_payment_ref', payment_ref }
create function public.admin_top_up(
  p_user_id text,
  p_tokens bigint,
  p_payment_ref text,
  p_actor text,
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
  v_id bigint;
begin
  perform public.require_text('admin_top_up', 'p_user_id', p_user_id);
  perform public.require_tokens('admin_top_up', 'p_tokens', p_tokens, 1);
  perform public.require_text('admin_top_up', 'p_payment_ref', p_payment_ref);
  perform public.require_text('admin_top_up', 'p_actor', p_actor);

  perform public.ensure_account(p_user_id, v_now);
  perform 1 from public.accounts a where a.user_id = p_user_id for update;

  -- The unique payment_ref decides, even between two users topped up at once with one reference.
  insert into public.balance_ledger (user_id, delta, kind, reason, payment_ref, actor, created_at)
  values (p_user_id, p_tokens, 'topup', 'top-up', p_payment_ref, p_actor, v_now)
  on conflict (payment_ref) do nothing
  returning id into v_id;

  if v_id is null then
    return public.build_token_status(p_user_id, v_now)
      || pg_catalog.jsonb_build_object('ok', false, 'reason', 'duplicate_payment_ref', 'payment_ref', p_payment_ref);
  end if;

  update public.accounts a set balance = a.balance + p_tokens where a.user_id = p_user_id;
  return public.build_token_status(p_user_id, v_now) || pg_catalog.jsonb_build_object('ok', true, 'balance_ledger_id', v_id);
end;
$$;
revoke all on function public.admin_top_up(text, bigint, text, text, timestamptz) from public, anon, authenticated;
grant execute on function public.admin_top_up(text, bigint, text, text, timestamptz) to service_role;
