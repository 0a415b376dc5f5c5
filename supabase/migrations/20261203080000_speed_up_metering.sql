-- Speed: the metering hot path (reserve_tokens + settle_tokens, one pair per chat request) rewritten
-- to do about what a minimal correct implementation does, with the same results and guarantees.
--
-- What changed, and why it stays correct:
--
-- * reserve_tokens is three statements on its common path: (1) the account row locked FOR NO KEY
--   UPDATE, joined with its plan, the model and app_settings (the catalogue is read afresh, so an
--   edit still applies to the very next reserve); (2) ONE snapshot, taken after the lock: the
--   period's usage, the sum of the unexpired holds, whether this request id has a hold or a ledger
--   row, whether an alert is pending; (3) the insert of the hold. Validation is plain IF tests (the
--   messages unchanged), periods and timestamps are computed inline (no period_bounds,
--   format_timestamp, require_* or build_token_status calls), and the status is built from the
--   values already read. ensure_account runs only when the account is missing.
--   The lock serialises every reserve of a user (FOR NO KEY UPDATE conflicts with itself and with
--   the FOR UPDATE of the admin functions), and READ COMMITTED takes statement (2)'s snapshot after
--   it is granted, so each reserve sees the holds of the reserves before it. A settle commits "hold
--   deleted" and "usage added" in one transaction, and (2) reads both in one statement: a request
--   is never counted twice, or not at all. So held + used never passes cap + balance, as before.
--
-- * settle_tokens first tries a fast path WITHOUT the account lock, in a subtransaction: delete the
--   request's hold (joined with the account, plan and model, and reading the other unexpired holds
--   and whether an alert is pending, in the same statement), then add the charge to the period's
--   usage with one atomic upsert that succeeds only while usage stays within the cap
--   (ON CONFLICT DO UPDATE ... WHERE used + charge <= cap). Deleting the hold is the idempotency
--   gate: of concurrent settles of one request one deletes it; the others wait for its row lock,
--   then find nothing and go the slow way, where the ledger row says "already settled". The fast
--   path is taken only when all of it holds: a hold of this user and no ledger row for the request,
--   charge within what the plan allowance has left, and the account's last_active_at less than an
--   hour old. Otherwise the subtransaction is rolled back (the hold is back, no row stays locked)
--   and the slow path runs, which is the former settle_tokens: account lock first, ledger and hold
--   looked up, plan allowance first then balance, computed from the period's usage row locked
--   FOR UPDATE (fast-path settles add to it without the account lock, so it must be locked to
--   split). Every metering call takes its locks in the order account, hold, usage row, rollup
--   rows (a fast-path settle skips the first, and never waits for it while holding the others), so
--   two calls for one user never wait on each other in a cycle. A user's reserves no longer queue
--   behind their settles: a fast-path settle never touches the account row.
--   The plan/balance split is the same as before: the fast path charges the plan only when the
--   allowance covers the whole charge (which the former formula also charges entirely to the
--   plan); anything else is computed by the former formula from the locked row.
--
-- * Usage alerts (80 %, 95 % of the cap) are recorded by settle_tokens itself, in the same
--   transaction, with the rule and the arithmetic of the trigger on usage_periods, which is dropped
--   (settle_tokens is the only writer that adds to usage; its function record_usage_alerts stays,
--   unattached, as the rule's reference). On the common path that is one comparison; the status
--   reads the pending alerts only when one exists.
--
-- * accounts.last_active_at is written at most once an hour per user (by the slow path), not on
--   every settle, so a settle does not lock the account row. Balance expiry keeps its exact meaning:
--   balance_expires_at() and expire_inactive_balances() also read the user's latest usage_ledger row
--   (one probe of usage_ledger_user_id_created_at_id_idx), whose created_at is exactly what
--   last_active_at used to hold. Only the admin console's "last active" may be up to an hour behind.
--
-- * Dropped, with the reason:
--   - usage_ledger.user_id and reservations.user_id foreign keys: both rows are written only in a
--     transaction that has just read the account (settle_tokens, reserve_tokens, which create it
--     when missing), and no code path deletes an account. The ledger's key check also took a KEY
--     SHARE lock on the account row on every settle, which conflicts with the admin functions' FOR
--     UPDATE and would have let a settle and an admin action wait on each other.
--   - reservations_heartbeat_idx: reservations holds only live holds (plus those expired less than
--     an hour ago); the sweeper's scan every few seconds reads it whole for less than keeping an
--     expression index on every reserve and every checkpoint costs (checkpoints are now HOT updates).
--   - the CHECK constraints of usage_daily_users and usage_daily_models: every rollup row is a sum of
--     usage_ledger rows, which are checked (non-negative counts, total = input + output).
--   Kept: every CHECK on usage_ledger, reservations and usage_periods, every other foreign key and
--   index, RLS on every table, the append-only guards.
--
-- * The rollup trigger on usage_ledger (statement-level) upserts the one row of a settle directly,
--   without the aggregation and sort it still uses for a bulk insert, and puts that row's model
--   sums in the bucket of the database session (pg_backend_pid() & 63) rather than of the user:
--   settles on different connections then never wait for each other's rollup row (a row lock held
--   until commit). The sums are unchanged; a bucket means nothing but the spreading.
--
-- * admin_reset_usage locks the period's usage row while it reads the amount it forgives, since
--   fast-path settles add to it without the account lock.
--
-- Result shapes are unchanged: status || { ... } as before (reserve and settle still carry used,
-- cap, held, remaining, balance, plan, plan_name, period, period_start, resets_at, alerts).

-- ---------------------------------------------------------------------------------------------
-- Schema: what the hot path no longer pays for (reasons in the header)
-- ---------------------------------------------------------------------------------------------
alter table public.usage_ledger drop constraint usage_ledger_user_id_fkey;
alter table public.reservations drop constraint reservations_user_id_fkey;
drop index public.reservations_heartbeat_idx;

alter table public.usage_daily_users
  drop constraint usage_daily_users_requests_check,
  drop constraint usage_daily_users_input_tokens_check,
  drop constraint usage_daily_users_output_tokens_check,
  drop constraint usage_daily_users_check,
  drop constraint usage_daily_users_cost_usd_check;
alter table public.usage_daily_models
  drop constraint usage_daily_models_bucket_check,
  drop constraint usage_daily_models_requests_check,
  drop constraint usage_daily_models_input_tokens_check,
  drop constraint usage_daily_models_output_tokens_check,
  drop constraint usage_daily_models_check,
  drop constraint usage_daily_models_cost_usd_check;

-- ---------------------------------------------------------------------------------------------
-- Usage alerts: recorded by settle_tokens (below), no longer by a trigger
-- ---------------------------------------------------------------------------------------------
drop trigger usage_periods_record_alerts on public.usage_periods;
comment on function public.record_usage_alerts() is
  'Not attached since ..._speed_up_metering.sql: settle_tokens records the crossings itself, by this same rule (80 % and 95 % of the cap, once per user and period, for a period of the plan''s kind). Kept as the rule''s reference; granted to nobody.';

-- The unacknowledged alerts of a period, ascending: [{ threshold, crossed_at }]. Called only when
-- one exists (reserve and settle test that first, in a statement they run anyway).
create function public.pending_usage_alerts(p_user_id text, p_period text, p_period_start timestamptz)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select coalesce(pg_catalog.jsonb_agg(a.alert order by a.threshold), '[]'::jsonb)
  from (
    select ua.threshold,
           pg_catalog.jsonb_build_object('threshold', ua.threshold,
             'crossed_at', pg_catalog.to_char(ua.crossed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) as alert
    from public.usage_alerts ua
    where ua.user_id = p_user_id and ua.period = p_period and ua.period_start = p_period_start and ua.acknowledged_at is null
  ) a
$$;
revoke all on function public.pending_usage_alerts(text, text, timestamptz) from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- reserve_tokens
-- ---------------------------------------------------------------------------------------------
create or replace function public.reserve_tokens(
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
  v_balance bigint;
  v_cap bigint;
  v_plan_id text;
  v_plan_name text;
  v_period text;
  v_tiers text[];
  v_max_output integer;
  v_ttl integer;
  v_tier text;
  v_context integer;
  v_factor numeric;
  v_start timestamptz;
  v_resets timestamptz;
  v_used bigint;
  v_held bigint;
  v_stale boolean;
  v_settled boolean;
  v_alerted boolean;
  v_alerts jsonb := '[]'::jsonb;
  v_hold_user text;
  v_hold_tokens bigint;
  v_hold_prompt bigint;
  v_hold_model text;
  v_hold_expires timestamptz;
  v_deleted integer;
  v_prompt bigint;
  v_min bigint := p_min_tokens;
  v_max bigint := p_max_tokens;
  v_remaining bigint;
  v_granted bigint;
  v_expires timestamptz;
  v_result jsonb;
begin
  -- Bad input raises 22023 naming the parameter (one test on the common path).
  if p_user_id is null or p_request_id is null or p_model is null or p_min_tokens is null or p_max_tokens is null
     or pg_catalog.btrim(p_user_id) = '' or pg_catalog.btrim(p_request_id) = '' or pg_catalog.btrim(p_model) = ''
     or p_min_tokens < 1 or p_max_tokens < p_min_tokens or p_prompt_tokens < 0 or p_prompt_tokens >= p_min_tokens then
    if p_user_id is null or pg_catalog.btrim(p_user_id) = '' then
      raise exception using errcode = '22023', message = 'reserve_tokens: p_user_id must be a non-empty string';
    elsif p_request_id is null or pg_catalog.btrim(p_request_id) = '' then
      raise exception using errcode = '22023', message = 'reserve_tokens: p_request_id must be a non-empty string';
    elsif p_model is null or pg_catalog.btrim(p_model) = '' then
      raise exception using errcode = '22023', message = 'reserve_tokens: p_model must be a non-empty string';
    elsif p_min_tokens is null or p_min_tokens < 1 then
      raise exception using errcode = '22023',
        message = pg_catalog.format('reserve_tokens: p_min_tokens must be an integer >= 1 (got %s)', coalesce(p_min_tokens::text, 'null'));
    elsif p_max_tokens is null or p_max_tokens < p_min_tokens then
      raise exception using errcode = '22023',
        message = pg_catalog.format('reserve_tokens: p_max_tokens must be an integer >= %s (got %s)', p_min_tokens, coalesce(p_max_tokens::text, 'null'));
    else
      raise exception using errcode = '22023',
        message = 'reserve_tokens: p_prompt_tokens must be at least 0 and less than p_min_tokens';
    end if;
  end if;

  <<attempt>>
  loop
    -- The lock that serialises the reserves (and the slow-path settles) of this user, with what
    -- the decision needs from the plan, the model and the settings, in one statement.
    loop
      select a.balance, coalesce(a.cap_override, p.token_cap), p.id, p.display_name, p.period, p.model_tiers,
             p.max_output_tokens, coalesce(s.hold_ttl_seconds, 600),
             case when m.enabled then m.tier end, m.context_window, m.prompt_token_factor,
             pg_catalog.date_trunc(p.period, v_now at time zone 'UTC') at time zone 'UTC',
             (pg_catalog.date_trunc(p.period, v_now at time zone 'UTC')
               + case when p.period = 'day' then interval '1 day' else interval '1 month' end) at time zone 'UTC'
      into v_balance, v_cap, v_plan_id, v_plan_name, v_period, v_tiers,
           v_max_output, v_ttl, v_tier, v_context, v_factor, v_start, v_resets
      from public.accounts a
      join public.plans p on p.id = a.plan_id
      left join public.app_settings s on s.id
      left join public.models m on m.id = p_model
      where a.user_id = p_user_id
      for no key update of a;
      exit when found;
      perform public.ensure_account(p_user_id, v_now);
    end loop;

    -- One snapshot, taken after the lock: the period's usage, the unexpired holds, this request's
    -- hold and ledger row, whether an alert is pending. A settle commits "hold gone" and "usage
    -- added" together, so this never counts a request twice or not at all.
    select coalesce((select u.plan_tokens_used from public.usage_periods u
                     where u.user_id = p_user_id and u.period = v_period and u.period_start = v_start), 0),
           coalesce((select pg_catalog.sum(r.tokens) from public.reservations r
                     where r.user_id = p_user_id and r.expires_at > v_now), 0)::bigint,
           exists (select 1 from public.reservations r
                   where r.user_id = p_user_id and r.expires_at <= v_now - interval '1 hour'),
           exists (select 1 from public.usage_ledger x where x.request_id = p_request_id),
           exists (select 1 from public.usage_alerts ua
                   where ua.user_id = p_user_id and ua.period = v_period and ua.period_start = v_start and ua.acknowledged_at is null),
           e.user_id, e.tokens, e.prompt_tokens, e.model, e.expires_at
    into v_used, v_held, v_stale, v_settled, v_alerted,
         v_hold_user, v_hold_tokens, v_hold_prompt, v_hold_model, v_hold_expires
    from (select) as one
    left join public.reservations e on e.request_id = p_request_id;

    if v_settled then
      v_result := pg_catalog.jsonb_build_object('ok', false, 'reason', 'already_settled', 'request_id', p_request_id);
    elsif v_hold_user is not null then
      if v_hold_user <> p_user_id then
        raise exception using errcode = '22023',
          message = pg_catalog.format('reserve_tokens: request %s belongs to another user', p_request_id);
      elsif v_hold_expires > v_now then
        -- A retry: the hold already exists; do not hold twice.
        v_result := pg_catalog.jsonb_build_object(
          'ok', true,
          'request_id', p_request_id,
          'reserved', v_hold_tokens,
          'prompt_tokens', v_hold_prompt,
          'model', v_hold_model,
          'expires_at', pg_catalog.to_char(v_hold_expires at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'already_reserved', true
        );
      else
        -- The earlier hold expired (it no longer counts): reserve afresh under the same id. A settle
        -- (it takes no account lock) may have taken it meanwhile: then look again.
        delete from public.reservations r where r.request_id = p_request_id;
        get diagnostics v_deleted = row_count;
        if v_deleted = 0 then
          continue attempt;
        end if;
      end if;
    end if;
    exit attempt;
  end loop;

  -- Housekeeping: holds that expired more than an hour ago will never be settled against.
  if v_stale then
    delete from public.reservations r
    where r.user_id = p_user_id and r.expires_at <= v_now - interval '1 hour';
  end if;

  if v_result is not null then
    null;
  elsif v_tier is null then
    v_result := pg_catalog.jsonb_build_object('ok', false, 'reason', 'unknown_model', 'request_id', p_request_id, 'model', p_model);
  elsif not (v_tier = any (v_tiers)) then
    v_result := pg_catalog.jsonb_build_object('ok', false, 'reason', 'model_not_allowed', 'request_id', p_request_id, 'model', p_model);
  else
    -- A chat request gives the prompt's size as our tokenizer counts it; other providers'
    -- tokenizers count more, so the prompt part of the hold is scaled by the model's factor.
    if p_prompt_tokens is not null then
      v_prompt := pg_catalog.ceil(p_prompt_tokens * v_factor)::bigint;
      v_min := p_min_tokens + (v_prompt - p_prompt_tokens);
      v_max := p_max_tokens + (v_prompt - p_prompt_tokens);
    end if;
    v_remaining := greatest(greatest(v_cap - v_used, 0) + v_balance - v_held, 0);
    if p_prompt_tokens is not null and v_min > v_context then
      -- A chat request can never need more than the model's context window.
      v_result := pg_catalog.jsonb_build_object(
        'ok', false, 'reason', 'prompt_too_long', 'request_id', p_request_id, 'model', p_model,
        'context_window', v_context, 'needed', v_min
      );
    elsif v_remaining < v_min then
      v_result := pg_catalog.jsonb_build_object('ok', false, 'reason', 'quota_exceeded', 'request_id', p_request_id, 'needed', v_min);
    else
      -- With the prompt's size known, the output part is capped by the plan's per-request limit and
      -- the whole hold by the model's context window.
      v_granted := case when p_prompt_tokens is null then least(v_max, v_remaining)
                        else least(v_max, v_remaining, v_prompt + v_max_output, v_context::bigint) end;
      v_expires := v_now + pg_catalog.make_interval(secs => v_ttl);
      insert into public.reservations (request_id, user_id, tokens, prompt_tokens, model, period, period_start, created_at, expires_at)
      values (p_request_id, p_user_id, v_granted, v_prompt, p_model, v_period, v_start, v_now, v_expires);
      v_held := v_held + v_granted;
      if v_alerted then
        v_alerts := public.pending_usage_alerts(p_user_id, v_period, v_start);
      end if;
      -- The status with this hold, and the hold (one object: the common path builds nothing twice).
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
        'remaining', v_remaining - v_granted,
        'balance', v_balance,
        'alerts', v_alerts,
        'ok', true,
        'request_id', p_request_id,
        'reserved', v_granted,
        -- The prompt part of the hold (scaled); reserved minus this is the output budget for max_tokens.
        'prompt_tokens', v_prompt,
        'model', p_model,
        'expires_at', pg_catalog.to_char(v_expires at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'already_reserved', false
      );
    end if;
  end if;

  if v_alerted then
    v_alerts := public.pending_usage_alerts(p_user_id, v_period, v_start);
  end if;
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
  ) || v_result;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- settle_tokens: same signature and result (see ..._create_late_settlements.sql)
-- ---------------------------------------------------------------------------------------------
create or replace function public.settle_tokens(
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
  v_total bigint := p_input_tokens + p_output_tokens;
  v_charge bigint := p_input_tokens + p_output_tokens;
  v_late_input bigint := p_input_tokens;
  v_ledger_request_id text := p_request_id;
  v_fast boolean := false;
  v_period text;
  v_start timestamptz;
  v_balance bigint;
  v_cap bigint;
  v_plan_id text;
  v_plan_name text;
  v_plan_period text;
  v_cur_start timestamptz;
  v_resets timestamptz;
  v_last_active timestamptz;
  v_in_price numeric;
  v_out_price numeric;
  v_held bigint;
  v_alerted boolean;
  v_alerts jsonb := '[]'::jsonb;
  v_ledger public.usage_ledger;
  v_late public.usage_ledger;
  v_hold_user text;
  v_hold_period text;
  v_hold_start timestamptz;
  v_used bigint;
  v_new_used bigint;
  v_changed_at timestamptz;
  v_row boolean;
  v_plan_part bigint := 0;
  v_balance_part bigint := 0;
  v_result jsonb;
begin
  -- Bad input raises 22023 naming the parameter (one test on the common path).
  if p_request_id is null or p_user_id is null or p_model is null or p_input_tokens is null or p_output_tokens is null
     or pg_catalog.btrim(p_request_id) = '' or pg_catalog.btrim(p_user_id) = '' or pg_catalog.btrim(p_model) = ''
     or p_input_tokens < 0 or p_output_tokens < 0 or p_outcome is null or p_outcome not in ('ok', 'aborted', 'error')
     or p_cost_usd < 0 or p_latency_ms < 0 then
    if p_request_id is null or pg_catalog.btrim(p_request_id) = '' then
      raise exception using errcode = '22023', message = 'settle_tokens: p_request_id must be a non-empty string';
    elsif p_user_id is null or pg_catalog.btrim(p_user_id) = '' then
      raise exception using errcode = '22023', message = 'settle_tokens: p_user_id must be a non-empty string';
    elsif p_model is null or pg_catalog.btrim(p_model) = '' then
      raise exception using errcode = '22023', message = 'settle_tokens: p_model must be a non-empty string';
    elsif p_input_tokens is null or p_input_tokens < 0 then
      raise exception using errcode = '22023',
        message = pg_catalog.format('settle_tokens: p_input_tokens must be an integer >= 0 (got %s)', coalesce(p_input_tokens::text, 'null'));
    elsif p_output_tokens is null or p_output_tokens < 0 then
      raise exception using errcode = '22023',
        message = pg_catalog.format('settle_tokens: p_output_tokens must be an integer >= 0 (got %s)', coalesce(p_output_tokens::text, 'null'));
    elsif p_outcome is null or p_outcome not in ('ok', 'aborted', 'error') then
      raise exception using errcode = '22023',
        message = pg_catalog.format('settle_tokens: p_outcome must be ''ok'', ''aborted'' or ''error'' (got %L)', p_outcome);
    elsif p_cost_usd < 0 then
      raise exception using errcode = '22023', message = 'settle_tokens: p_cost_usd must be >= 0';
    else
      raise exception using errcode = '22023', message = 'settle_tokens: p_latency_ms must be >= 0';
    end if;
  end if;

  -- Fast path, without the account lock (see the header): all of it, or nothing.
  begin
    delete from public.reservations r
    using public.accounts a
      join public.plans p on p.id = a.plan_id
      left join public.models m on m.id = p_model
    where r.request_id = p_request_id
      and r.user_id = p_user_id
      and a.user_id = r.user_id
      and not exists (select 1 from public.usage_ledger x where x.request_id = p_request_id)
    returning r.period, r.period_start, a.balance, coalesce(a.cap_override, p.token_cap), p.id, p.display_name, p.period,
              pg_catalog.date_trunc(p.period, v_now at time zone 'UTC') at time zone 'UTC',
              (pg_catalog.date_trunc(p.period, v_now at time zone 'UTC')
                + case when p.period = 'day' then interval '1 day' else interval '1 month' end) at time zone 'UTC',
              a.last_active_at, m.input_price_per_mtok, m.output_price_per_mtok,
              -- The status's held: the user's unexpired holds without this one (still visible here).
              (select coalesce(pg_catalog.sum(h.tokens), 0)::bigint from public.reservations h
               where h.user_id = r.user_id and h.expires_at > v_now)
                - case when r.expires_at > v_now then r.tokens else 0 end,
              exists (select 1 from public.usage_alerts ua
                      where ua.user_id = r.user_id and ua.period = p.period and ua.acknowledged_at is null
                        and ua.period_start = pg_catalog.date_trunc(p.period, v_now at time zone 'UTC') at time zone 'UTC')
    into v_period, v_start, v_balance, v_cap, v_plan_id, v_plan_name, v_plan_period, v_cur_start, v_resets,
         v_last_active, v_in_price, v_out_price, v_held, v_alerted;
    if found then
      if v_charge > v_cap or v_last_active is null or v_last_active < v_now - interval '1 hour' then
        raise exception using errcode = 'TMS01'; -- the balance, or the account's activity: the slow path
      end if;
      if v_charge > 0 then
        insert into public.usage_periods as u (user_id, period, period_start, plan_tokens_used, updated_at)
        values (p_user_id, v_period, v_start, v_charge, v_now)
        on conflict (user_id, period, period_start)
        do update set plan_tokens_used = u.plan_tokens_used + excluded.plan_tokens_used,
                      updated_at = greatest(u.updated_at, excluded.updated_at)
        where u.plan_tokens_used + excluded.plan_tokens_used <= v_cap
        returning u.plan_tokens_used, u.updated_at into v_new_used, v_changed_at;
        if not found then
          raise exception using errcode = 'TMS01'; -- concurrent settles used the allowance up
        end if;
        v_plan_part := v_charge;
      end if;
      v_fast := true;
    end if;
  exception when sqlstate 'TMS01' then
    v_fast := false;
  end;

  if not v_fast then
    -- Slow path: the former settle_tokens, under the account's lock.
    loop
      select a.balance, coalesce(a.cap_override, p.token_cap), p.id, p.display_name, p.period,
             pg_catalog.date_trunc(p.period, v_now at time zone 'UTC') at time zone 'UTC',
             (pg_catalog.date_trunc(p.period, v_now at time zone 'UTC')
               + case when p.period = 'day' then interval '1 day' else interval '1 month' end) at time zone 'UTC',
             a.last_active_at, m.input_price_per_mtok, m.output_price_per_mtok
      into v_balance, v_cap, v_plan_id, v_plan_name, v_plan_period, v_cur_start, v_resets,
           v_last_active, v_in_price, v_out_price
      from public.accounts a
      join public.plans p on p.id = a.plan_id
      left join public.models m on m.id = p_model
      where a.user_id = p_user_id
      for no key update of a;
      exit when found;
      perform public.ensure_account(p_user_id, v_now);
    end loop;

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
        v_result := pg_catalog.jsonb_build_object(
          'ok', true,
          'request_id', p_request_id,
          'total_tokens', v_ledger.total_tokens + coalesce(v_late.total_tokens, 0),
          'plan_tokens', v_ledger.plan_tokens + coalesce(v_late.plan_tokens, 0),
          'balance_tokens', v_ledger.balance_tokens + coalesce(v_late.balance_tokens, 0),
          'charged_period', v_ledger.period,
          'charged_period_start', pg_catalog.to_char(v_ledger.period_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'already_settled', true
        );
      else
        -- The sweeper settled this request at its last checkpoint; charge the rest, in its period.
        v_ledger_request_id := p_request_id || '+late';
        v_charge := v_total - v_ledger.total_tokens;
        v_late_input := least(greatest(p_input_tokens - v_ledger.input_tokens, 0), v_charge);
        v_period := v_ledger.period;
        v_start := v_ledger.period_start;
      end if;
    else
      -- Charge the period the request was reserved in (even if its hold has expired since),
      -- else the one of p_now.
      select r.user_id, r.period, r.period_start into v_hold_user, v_hold_period, v_hold_start
      from public.reservations r where r.request_id = p_request_id;
      if found then
        if v_hold_user <> p_user_id then
          raise exception using errcode = '22023',
            message = pg_catalog.format('settle_tokens: request %s belongs to another user', p_request_id);
        end if;
        delete from public.reservations r where r.request_id = p_request_id;
        v_period := v_hold_period;
        v_start := v_hold_start;
      else
        v_period := v_plan_period;
        v_start := v_cur_start;
      end if;
    end if;

    if v_result is null and v_charge > 0 then
      -- Plan allowance first, then balance; from the period's usage row, locked.
      loop
        select u.plan_tokens_used into v_used
        from public.usage_periods u
        where u.user_id = p_user_id and u.period = v_period and u.period_start = v_start
        for update;
        v_row := found;
        v_used := coalesce(v_used, 0);
        v_plan_part := least(v_charge, greatest(v_cap - v_used, 0));
        v_balance_part := least(v_charge - v_plan_part, v_balance);
        -- Whatever neither covers (the upstream overshot its hold) is charged to the plan: used may
        -- exceed cap, and the next reserve refuses.
        v_plan_part := v_charge - v_balance_part;
        exit when v_plan_part = 0;
        if v_row then
          update public.usage_periods u
          set plan_tokens_used = u.plan_tokens_used + v_plan_part, updated_at = greatest(u.updated_at, v_now)
          where u.user_id = p_user_id and u.period = v_period and u.period_start = v_start
          returning u.plan_tokens_used, u.updated_at into v_new_used, v_changed_at;
          exit;
        end if;
        insert into public.usage_periods (user_id, period, period_start, plan_tokens_used, updated_at)
        values (p_user_id, v_period, v_start, v_plan_part, v_now)
        on conflict (user_id, period, period_start) do nothing
        returning plan_tokens_used, updated_at into v_new_used, v_changed_at;
        exit when found;
        -- A fast-path settle created the row meanwhile: lock it and split again.
      end loop;

      if v_balance_part > 0 then
        update public.accounts a set balance = a.balance - v_balance_part where a.user_id = p_user_id;
        insert into public.balance_ledger (user_id, delta, kind, reason, request_id, created_at)
        values (p_user_id, -v_balance_part, 'usage', 'usage', p_request_id, v_now);
        v_balance := v_balance - v_balance_part;
      end if;
    end if;

    -- The account's activity, at most once an hour (balance expiry also reads the ledger).
    if v_result is null and (v_last_active is null or v_last_active < v_now - interval '1 hour') then
      update public.accounts a set last_active_at = greatest(a.last_active_at, v_now) where a.user_id = p_user_id;
    end if;
  end if;

  if v_result is null then
    -- Usage alerts: each warning threshold (80 %, 95 % of the cap) this charge moved the usage of a
    -- period of the plan's kind across, once per user and period; percentages as public.usage_percent
    -- (and lib/client/thresholds.ts) compute them, in doubles. The first test is the common path.
    if v_plan_part > 0 and v_period = v_plan_period
       and (v_cap <= 0 or pg_catalog.floor((v_new_used::double precision / v_cap::double precision) * 1000) / 10 >= 80) then
      insert into public.usage_alerts (user_id, period, period_start, threshold, used, cap, crossed_at)
      select p_user_id, v_period, v_start, t.threshold, v_new_used, v_cap, v_changed_at
      from (values (80::smallint), (95::smallint)) t (threshold)
      where public.usage_percent(v_new_used - v_plan_part, v_cap) < t.threshold
        and public.usage_percent(v_new_used, v_cap) >= t.threshold
      order by t.threshold
      on conflict do nothing;
      v_alerted := v_alerted or (found and v_start = v_cur_start);
    end if;

    insert into public.usage_ledger (
      request_id, user_id, model, input_tokens, output_tokens, total_tokens, plan_tokens, balance_tokens,
      cost_usd, latency_ms, outcome, period, period_start, created_at, swept, corrects
    ) values (
      v_ledger_request_id, p_user_id, p_model, v_late_input, v_charge - v_late_input, v_charge, v_plan_part, v_balance_part,
      -- The provider's reported cost when known, else the catalogue's prices (USD per million tokens).
      -- A late row carries the cost of its own tokens only.
      case when v_ledger_request_id = p_request_id and p_cost_usd is not null then p_cost_usd
           else pg_catalog.round((v_late_input * v_in_price + (v_charge - v_late_input) * v_out_price) / 1000000, 10) end,
      p_latency_ms, p_outcome, v_period, v_start, v_now, p_swept,
      case when v_ledger_request_id = p_request_id then null else p_request_id end
    );

    -- The fast path charging the current period knows the whole status by now: one object (the
    -- common path builds nothing twice).
    if v_fast and v_plan_part > 0 and v_period = v_plan_period and v_start = v_cur_start then
      if v_alerted then
        v_alerts := public.pending_usage_alerts(p_user_id, v_plan_period, v_cur_start);
      end if;
      return pg_catalog.jsonb_build_object(
        'user_id', p_user_id,
        'plan', v_plan_id,
        'plan_name', v_plan_name,
        'period', v_plan_period,
        'period_start', pg_catalog.to_char(v_cur_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'resets_at', pg_catalog.to_char(v_resets at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'used', v_new_used,
        'cap', v_cap,
        'held', v_held,
        'remaining', greatest(greatest(v_cap - v_new_used, 0) + v_balance - v_held, 0),
        'balance', v_balance,
        'alerts', v_alerts,
        'ok', true,
        'request_id', p_request_id,
        'total_tokens', v_charge,
        'plan_tokens', v_plan_part,
        'balance_tokens', 0,
        'charged_period', v_period,
        'charged_period_start', pg_catalog.to_char(v_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'already_settled', false
      );
    end if;

    v_result := pg_catalog.jsonb_build_object(
      'ok', true,
      'request_id', p_request_id,
      'total_tokens', v_charge + coalesce(v_ledger.total_tokens, 0),
      'plan_tokens', v_plan_part + coalesce(v_ledger.plan_tokens, 0),
      'balance_tokens', v_balance_part + coalesce(v_ledger.balance_tokens, 0),
      'charged_period', v_period,
      'charged_period_start', pg_catalog.to_char(v_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'already_settled', false
    );
  end if;

  -- The status at p_now, for every other case (slow path, no charge, another period): one more
  -- statement reads usage, holds and pending alerts.
  select
    coalesce((select u.plan_tokens_used from public.usage_periods u
              where u.user_id = p_user_id and u.period = v_plan_period and u.period_start = v_cur_start), 0),
    (select coalesce(pg_catalog.sum(r.tokens), 0)::bigint from public.reservations r
     where r.user_id = p_user_id and r.expires_at > v_now),
    exists (select 1 from public.usage_alerts ua
            where ua.user_id = p_user_id and ua.period = v_plan_period and ua.period_start = v_cur_start and ua.acknowledged_at is null)
  into v_used, v_held, v_alerted;
  if v_alerted then
    v_alerts := public.pending_usage_alerts(p_user_id, v_plan_period, v_cur_start);
  end if;

  return pg_catalog.jsonb_build_object(
    'user_id', p_user_id,
    'plan', v_plan_id,
    'plan_name', v_plan_name,
    'period', v_plan_period,
    'period_start', pg_catalog.to_char(v_cur_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'resets_at', pg_catalog.to_char(v_resets at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'used', v_used,
    'cap', v_cap,
    'held', v_held,
    'remaining', greatest(greatest(v_cap - v_used, 0) + v_balance - v_held, 0),
    'balance', v_balance,
    'alerts', v_alerts
  ) || v_result;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Rollups: the statement-level trigger gains a path for the one-row insert of a settle
-- ---------------------------------------------------------------------------------------------
create or replace function public.roll_up_usage_ledger()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  n public.usage_ledger;
begin
  select i.* into n from inserted i limit 2;
  if not found then
    return null;
  end if;
  if (select pg_catalog.count(*) from inserted) = 1 then
    -- A settle: its one row upserted as it is. The model row's bucket is the database session's,
    -- so settles on different connections never wait for each other's rollup row.
    insert into public.usage_daily_users as d (day, user_id, requests, input_tokens, output_tokens, total_tokens, cost_usd)
    values ((n.created_at at time zone 'UTC')::date, n.user_id, 1, n.input_tokens, n.output_tokens, n.total_tokens,
            coalesce(n.cost_usd, 0))
    on conflict (day, user_id) do update set
      requests = d.requests + 1,
      input_tokens = d.input_tokens + excluded.input_tokens,
      output_tokens = d.output_tokens + excluded.output_tokens,
      total_tokens = d.total_tokens + excluded.total_tokens,
      cost_usd = d.cost_usd + excluded.cost_usd;
    insert into public.usage_daily_models as d (day, model, bucket, requests, input_tokens, output_tokens, total_tokens, cost_usd)
    values ((n.created_at at time zone 'UTC')::date, n.model, (pg_catalog.pg_backend_pid() & 63)::smallint, 1,
            n.input_tokens, n.output_tokens, n.total_tokens, coalesce(n.cost_usd, 0))
    on conflict (day, model, bucket) do update set
      requests = d.requests + 1,
      input_tokens = d.input_tokens + excluded.input_tokens,
      output_tokens = d.output_tokens + excluded.output_tokens,
      total_tokens = d.total_tokens + excluded.total_tokens,
      cost_usd = d.cost_usd + excluded.cost_usd;
    return null;
  end if;

  -- More rows (a bulk load): summed per key and upserted in key order, as before.
  insert into public.usage_daily_users as d (day, user_id, requests, input_tokens, output_tokens, total_tokens, cost_usd)
  select (i.created_at at time zone 'UTC')::date, i.user_id, pg_catalog.count(*),
         pg_catalog.sum(i.input_tokens), pg_catalog.sum(i.output_tokens), pg_catalog.sum(i.total_tokens),
         coalesce(pg_catalog.sum(i.cost_usd), 0)
  from inserted i
  group by 1, 2
  order by 1, 2
  on conflict (day, user_id) do update set
    requests = d.requests + excluded.requests,
    input_tokens = d.input_tokens + excluded.input_tokens,
    output_tokens = d.output_tokens + excluded.output_tokens,
    total_tokens = d.total_tokens + excluded.total_tokens,
    cost_usd = d.cost_usd + excluded.cost_usd;

  insert into public.usage_daily_models as d (day, model, bucket, requests, input_tokens, output_tokens, total_tokens, cost_usd)
  select (i.created_at at time zone 'UTC')::date, i.model, (pg_catalog.hashtext(i.user_id) & 63)::smallint, pg_catalog.count(*),
         pg_catalog.sum(i.input_tokens), pg_catalog.sum(i.output_tokens), pg_catalog.sum(i.total_tokens),
         coalesce(pg_catalog.sum(i.cost_usd), 0)
  from inserted i
  group by 1, 2, 3
  order by 1, 2, 3
  on conflict (day, model, bucket) do update set
    requests = d.requests + excluded.requests,
    input_tokens = d.input_tokens + excluded.input_tokens,
    output_tokens = d.output_tokens + excluded.output_tokens,
    total_tokens = d.total_tokens + excluded.total_tokens,
    cost_usd = d.cost_usd + excluded.cost_usd;
  return null;
end;
$$;

comment on table public.usage_daily_models is
  'Per UTC day, model and bucket: the sums of usage_ledger. The bucket only spreads a (day, model) over up to 64 rows so concurrent writers rarely share one: the writing session''s pg_backend_pid() & 63 for a settle''s one-row insert, hashtext(user_id) & 63 for a bulk insert. Written only by the usage_ledger insert trigger.';

-- ---------------------------------------------------------------------------------------------
-- Balance expiry: the latest ledger row counts as activity (last_active_at may be an hour behind)
-- ---------------------------------------------------------------------------------------------
create or replace function public.balance_expires_at(p_user_id text)
returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
  select greatest(
           coalesce(a.last_active_at, a.created_at),
           a.created_at,
           (select pg_catalog.max(b.created_at) from public.balance_ledger b where b.user_id = a.user_id and b.delta > 0),
           (select pg_catalog.max(l.created_at) from public.usage_ledger l where l.user_id = a.user_id)
         ) + pg_catalog.make_interval(days => s.balance_expiry_days)
  from public.accounts a, public.app_settings s
  where a.user_id = p_user_id and s.id and s.balance_expiry_days is not null and a.balance > 0
$$;
revoke all on function public.balance_expires_at(text) from public, anon, authenticated, service_role;

create or replace function public.expire_inactive_balances(p_now timestamptz default now(), p_limit integer default 1000, p_days integer default null)
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
      -- A settled request is activity (last_active_at is written at most once an hour).
      and not exists (
        select 1 from public.usage_ledger l
        where l.user_id = a.user_id and l.created_at >= v_cutoff
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

-- ---------------------------------------------------------------------------------------------
-- admin_reset_usage: the forgiven amount read with the usage row locked
-- ---------------------------------------------------------------------------------------------
create or replace function public.admin_reset_usage(p_actor text, p_user_id text, p_reason text, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_reason text;
  v_period text;
  v_start timestamptz;
  v_used bigint;
  v_audit bigint;
begin
  perform public.require_admin('admin_reset_usage', p_actor);
  perform public.require_text('admin_reset_usage', 'p_user_id', p_user_id);
  v_reason := public.check_reason('admin_reset_usage', p_reason, true);

  select p.period into v_period
  from public.accounts a join public.plans p on p.id = a.plan_id
  where a.user_id = p_user_id
  for update of a;
  if not found then
    raise exception using errcode = 'P0002', message = pg_catalog.format('admin_reset_usage: no account for user %s', p_user_id);
  end if;
  select b.period_start into v_start from public.period_bounds(v_period, v_now) b;

  -- Locked: fast-path settles add to it without the account lock (..._speed_up_metering.sql).
  select u.plan_tokens_used into v_used
  from public.usage_periods u
  where u.user_id = p_user_id and u.period = v_period and u.period_start = v_start
  for update;
  v_used := coalesce(v_used, 0);
  if v_used > 0 then
    update public.usage_periods u set plan_tokens_used = 0, updated_at = v_now
    where u.user_id = p_user_id and u.period = v_period and u.period_start = v_start;
  end if;
  delete from public.usage_alerts ua where ua.user_id = p_user_id and ua.period = v_period and ua.period_start = v_start;

  v_audit := public.write_admin_audit(p_actor, 'reset_usage', p_user_id, 'account:' || p_user_id,
    pg_catalog.jsonb_build_object('period', v_period, 'period_start', public.format_timestamp(v_start), 'used', v_used),
    pg_catalog.jsonb_build_object('period', v_period, 'period_start', public.format_timestamp(v_start), 'used', 0),
    v_reason, v_now);

  return public.build_token_status(p_user_id, v_now) || pg_catalog.jsonb_build_object('ok', true, 'reset_tokens', v_used, 'audit_id', v_audit);
end;
$$;
