-- Admin, part 2 of 2: every admin action as one SQL function (one transaction each).
--
-- The checked functions (admin_set_user_plan, admin_set_user_cap_override, admin_reset_usage,
-- admin_grant_user_tokens, admin_top_up_user, admin_update_plan, admin_update_model,
-- admin_update_settings and the admin_list_*/admin_get_*/admin_search_users reads) take the acting
-- user first (p_actor) and raise 42501 unless accounts.is_admin is true for them. Each write
-- validates (22023 naming the field), applies the change and writes exactly one admin_audit row
-- with the old and new value and the reason, and returns the audit row's id.
--
-- The four older server functions (admin_set_plan, admin_set_cap_override, admin_grant_tokens,
-- admin_top_up) keep their signatures and results (plus audit_id) and are now audited too: they
-- share one implementation with the checked ones (apply_*). They stay server-trusted (no admin
-- check: the server's own jobs and the existing tests call them with a recorded actor); the API
-- calls only the checked ones.
--
-- Reset of this period's usage: usage_periods.plan_tokens_used (the counter the gauge and reserve
-- read) is set to 0 under the account's row lock; usage_ledger (what each request consumed, append-
-- only) is untouched and so is the balance. The audit row records the exact number forgiven
-- (old_value.used), so for every period:
--   usage_periods.plan_tokens_used = sum(usage_ledger.plan_tokens) - sum(reset audits' old_value.used)
-- The period's 80/95 % alerts are cleared so they can warn again.
--
-- Conventions as in ..._create_metering_functions.sql.

-- ---------------------------------------------------------------------------------------------
-- Internal helpers: a JSON object of changes, field by field (22023 naming the field)
-- ---------------------------------------------------------------------------------------------

-- p_changes (JSON text: both database adapters pass it as a string) must be a non-empty object
-- whose keys are all in p_allowed. Returns it as jsonb.
create function public.parse_changes(p_function text, p_changes text, p_allowed text[])
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_changes jsonb;
  v_key text;
begin
  begin
    v_changes := p_changes::jsonb;
  exception when others then
    v_changes := null;
  end;
  if v_changes is null or pg_catalog.jsonb_typeof(v_changes) <> 'object' or v_changes = '{}'::jsonb then
    raise exception using errcode = '22023',
      message = pg_catalog.format('%s: p_changes must be a JSON object with at least one of %s', p_function, pg_catalog.array_to_string(p_allowed, ', '));
  end if;
  select k into v_key from pg_catalog.jsonb_object_keys(v_changes) k where k <> all (p_allowed) limit 1;
  if v_key is not null then
    raise exception using errcode = '22023',
      message = pg_catalog.format('%s: unknown field %s (expected one of %s)', p_function, v_key, pg_catalog.array_to_string(p_allowed, ', '));
  end if;
  return v_changes;
end;
$$;
revoke all on function public.parse_changes(text, text, text[]) from public, anon, authenticated, service_role;

-- The number at p_field (null when absent), between p_min and p_max; p_integer: no fraction.
create function public.change_number(p_function text, p_changes jsonb, p_field text, p_min numeric, p_max numeric, p_integer boolean)
returns numeric
language plpgsql
immutable
set search_path = ''
as $$
declare
  v jsonb := p_changes -> p_field;
  v_num numeric;
begin
  if v is null then
    return null;
  end if;
  if pg_catalog.jsonb_typeof(v) = 'number' then
    v_num := (v #>> '{}')::numeric;
  end if;
  if v_num is null or v_num < p_min or v_num > p_max or (p_integer and v_num <> pg_catalog.trunc(v_num)) then
    raise exception using errcode = '22023',
      message = pg_catalog.format('%s: %s must be %s between %s and %s', p_function, p_field,
        case when p_integer then 'an integer' else 'a number' end, p_min, p_max);
  end if;
  return v_num;
end;
$$;
revoke all on function public.change_number(text, jsonb, text, numeric, numeric, boolean) from public, anon, authenticated, service_role;

-- The string at p_field (null when absent): non-blank, at most 100 characters, one of p_allowed if given.
create function public.change_text(p_function text, p_changes jsonb, p_field text, p_allowed text[])
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v jsonb := p_changes -> p_field;
  v_text text;
begin
  if v is null then
    return null;
  end if;
  if pg_catalog.jsonb_typeof(v) = 'string' then
    v_text := pg_catalog.btrim(v #>> '{}');
  end if;
  if v_text is null or v_text = '' or pg_catalog.length(v_text) > 100 or (p_allowed is not null and v_text <> all (p_allowed)) then
    raise exception using errcode = '22023',
      message = pg_catalog.format('%s: %s must be %s', p_function, p_field,
        case when p_allowed is null then 'a non-empty string of at most 100 characters'
             else 'one of ' || pg_catalog.array_to_string(p_allowed, ', ') end);
  end if;
  return v_text;
end;
$$;
revoke all on function public.change_text(text, jsonb, text, text[]) from public, anon, authenticated, service_role;

create function public.change_boolean(p_function text, p_changes jsonb, p_field text)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
declare
  v jsonb := p_changes -> p_field;
begin
  if v is null then
    return null;
  end if;
  if pg_catalog.jsonb_typeof(v) <> 'boolean' then
    raise exception using errcode = '22023', message = pg_catalog.format('%s: %s must be true or false', p_function, p_field);
  end if;
  return (v #>> '{}')::boolean;
end;
$$;
revoke all on function public.change_boolean(text, jsonb, text) from public, anon, authenticated, service_role;

-- The model tiers at p_field (null when absent): an array of distinct tiers.
create function public.change_tiers(p_function text, p_changes jsonb, p_field text)
returns text[]
language plpgsql
immutable
set search_path = ''
as $$
declare
  v jsonb := p_changes -> p_field;
  v_tiers text[];
begin
  if v is null then
    return null;
  end if;
  if pg_catalog.jsonb_typeof(v) = 'array'
    and not exists (select 1 from pg_catalog.jsonb_array_elements(v) e where pg_catalog.jsonb_typeof(e) <> 'string') then
    v_tiers := array(select distinct e from pg_catalog.jsonb_array_elements_text(v) e order by e);
  end if;
  if v_tiers is null or not (v_tiers <@ array['basic', 'advanced', 'premium']::text[]) then
    raise exception using errcode = '22023',
      message = pg_catalog.format('%s: %s must be an array of basic, advanced, premium', p_function, p_field);
  end if;
  return v_tiers;
end;
$$;
revoke all on function public.change_tiers(text, jsonb, text) from public, anon, authenticated, service_role;

create function public.check_limit(p_function text, p_limit integer)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_limit is null or p_limit < 1 or p_limit > 100 then
    raise exception using errcode = '22023', message = pg_catalog.format('%s: p_limit must be an integer between 1 and 100', p_function);
  end if;
end;
$$;
revoke all on function public.check_limit(text, integer) from public, anon, authenticated, service_role;

-- JSON views of a catalogue row (timestamps as ISO strings).
create function public.plan_json(p public.plans)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select (pg_catalog.to_jsonb(p) - 'updated_at') || pg_catalog.jsonb_build_object('updated_at', public.format_timestamp(p.updated_at))
$$;
revoke all on function public.plan_json(public.plans) from public, anon, authenticated, service_role;

create function public.settings_json(s public.app_settings)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'starter_balance', s.starter_balance,
    'hold_ttl_seconds', s.hold_ttl_seconds,
    'balance_expiry_days', s.balance_expiry_days,
    'updated_at', public.format_timestamp(s.updated_at)
  )
$$;
revoke all on function public.settings_json(public.app_settings) from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- User actions: one implementation each (internal), shared by the old and the checked functions
-- ---------------------------------------------------------------------------------------------

-- status || { ok: true, changed, previous_plan, audit_id }
create function public.apply_user_plan(p_function text, p_user_id text, p_plan_id text, p_actor text, p_reason text, p_now timestamptz)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_old text;
  v_audit bigint;
begin
  perform public.require_text(p_function, 'p_user_id', p_user_id);
  perform public.require_text(p_function, 'p_plan_id', p_plan_id);
  perform public.require_text(p_function, 'p_actor', p_actor);
  if not exists (select 1 from public.plans p where p.id = p_plan_id) then
    raise exception using errcode = '22023', message = pg_catalog.format('%s: unknown plan %L', p_function, p_plan_id);
  end if;

  perform public.ensure_account(p_user_id, p_now);
  select a.plan_id into strict v_old from public.accounts a where a.user_id = p_user_id for update;

  if v_old is distinct from p_plan_id then
    update public.accounts a set plan_id = p_plan_id where a.user_id = p_user_id;
    insert into public.account_events (user_id, kind, old_value, new_value, actor, created_at)
    values (p_user_id, 'plan_changed', pg_catalog.to_jsonb(v_old), pg_catalog.to_jsonb(p_plan_id), p_actor, p_now);
  end if;
  v_audit := public.write_admin_audit(p_actor, 'set_plan', p_user_id, 'account:' || p_user_id,
    pg_catalog.jsonb_build_object('plan_id', v_old), pg_catalog.jsonb_build_object('plan_id', p_plan_id), p_reason, p_now);

  return public.build_token_status(p_user_id, p_now)
    || pg_catalog.jsonb_build_object('ok', true, 'changed', v_old is distinct from p_plan_id, 'previous_plan', v_old, 'audit_id', v_audit);
end;
$$;
revoke all on function public.apply_user_plan(text, text, text, text, text, timestamptz) from public, anon, authenticated, service_role;

-- status || { ok: true, changed, cap_override, previous_cap_override, audit_id }
create function public.apply_cap_override(p_function text, p_user_id text, p_cap bigint, p_actor text, p_reason text, p_now timestamptz)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_old bigint;
  v_audit bigint;
begin
  perform public.require_text(p_function, 'p_user_id', p_user_id);
  perform public.require_text(p_function, 'p_actor', p_actor);
  if p_cap is not null then
    perform public.require_tokens(p_function, 'p_cap', p_cap, 0);
  end if;

  perform public.ensure_account(p_user_id, p_now);
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
      p_now
    );
  end if;
  v_audit := public.write_admin_audit(p_actor, 'set_cap_override', p_user_id, 'account:' || p_user_id,
    pg_catalog.jsonb_build_object('cap_override', v_old), pg_catalog.jsonb_build_object('cap_override', p_cap), p_reason, p_now);

  return public.build_token_status(p_user_id, p_now) || pg_catalog.jsonb_build_object(
    'ok', true, 'changed', v_old is distinct from p_cap, 'cap_override', p_cap, 'previous_cap_override', v_old, 'audit_id', v_audit
  );
end;
$$;
revoke all on function public.apply_cap_override(text, text, bigint, text, text, timestamptz) from public, anon, authenticated, service_role;

-- A grant is a 'grant' row in balance_ledger (the balance follows it). status || { ok: true, balance_ledger_id, audit_id }
create function public.apply_grant(p_function text, p_user_id text, p_tokens bigint, p_reason text, p_actor text, p_now timestamptz)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_id bigint;
  v_old bigint;
  v_audit bigint;
begin
  perform public.require_text(p_function, 'p_user_id', p_user_id);
  perform public.require_tokens(p_function, 'p_tokens', p_tokens, 1);
  perform public.require_text(p_function, 'p_reason', p_reason);
  perform public.require_text(p_function, 'p_actor', p_actor);

  perform public.ensure_account(p_user_id, p_now);
  select a.balance into strict v_old from public.accounts a where a.user_id = p_user_id for update;

  insert into public.balance_ledger (user_id, delta, kind, reason, actor, created_at)
  values (p_user_id, p_tokens, 'grant', p_reason, p_actor, p_now)
  returning id into v_id;
  update public.accounts a set balance = a.balance + p_tokens where a.user_id = p_user_id;
  v_audit := public.write_admin_audit(p_actor, 'grant_tokens', p_user_id, 'account:' || p_user_id,
    pg_catalog.jsonb_build_object('balance', v_old),
    pg_catalog.jsonb_build_object('balance', v_old + p_tokens, 'tokens', p_tokens, 'balance_ledger_id', v_id),
    p_reason, p_now);

  return public.build_token_status(p_user_id, p_now) || pg_catalog.jsonb_build_object('ok', true, 'balance_ledger_id', v_id, 'audit_id', v_audit);
end;
$$;
revoke all on function public.apply_grant(text, text, bigint, text, text, timestamptz) from public, anon, authenticated, service_role;

-- A payment reference credits once, ever (for any user); a duplicate changes nothing and writes no
-- audit row. status || { ok: true, balance_ledger_id, audit_id } or status || { ok: false, reason: 'duplicate_payment_ref', payment_ref }
create function public.apply_top_up(p_function text, p_user_id text, p_tokens bigint, p_payment_ref text, p_actor text, p_reason text, p_now timestamptz)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_id bigint;
  v_old bigint;
  v_audit bigint;
begin
  perform public.require_text(p_function, 'p_user_id', p_user_id);
  perform public.require_tokens(p_function, 'p_tokens', p_tokens, 1);
  perform public.require_text(p_function, 'p_payment_ref', p_payment_ref);
  perform public.require_text(p_function, 'p_actor', p_actor);

  perform public.ensure_account(p_user_id, p_now);
  select a.balance into strict v_old from public.accounts a where a.user_id = p_user_id for update;

  -- The unique payment_ref decides, even between two users topped up at once with one reference.
  insert into public.balance_ledger (user_id, delta, kind, reason, payment_ref, actor, created_at)
  values (p_user_id, p_tokens, 'topup', coalesce(p_reason, 'top-up'), p_payment_ref, p_actor, p_now)
  on conflict (payment_ref) do nothing
  returning id into v_id;

  if v_id is null then
    return public.build_token_status(p_user_id, p_now)
      || pg_catalog.jsonb_build_object('ok', false, 'reason', 'duplicate_payment_ref', 'payment_ref', p_payment_ref);
  end if;

  update public.accounts a set balance = a.balance + p_tokens where a.user_id = p_user_id;
  v_audit := public.write_admin_audit(p_actor, 'top_up', p_user_id, 'account:' || p_user_id,
    pg_catalog.jsonb_build_object('balance', v_old),
    pg_catalog.jsonb_build_object('balance', v_old + p_tokens, 'tokens', p_tokens, 'payment_ref', p_payment_ref, 'balance_ledger_id', v_id),
    p_reason, p_now);
  return public.build_token_status(p_user_id, p_now) || pg_catalog.jsonb_build_object('ok', true, 'balance_ledger_id', v_id, 'audit_id', v_audit);
end;
$$;
revoke all on function public.apply_top_up(text, text, bigint, text, text, text, timestamptz) from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- The older server functions, same signatures, now audited (reason: the grant's, else none)
-- ---------------------------------------------------------------------------------------------
create or replace function public.admin_set_plan(p_user_id text, p_plan_id text, p_actor text, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  return public.apply_user_plan('admin_set_plan', p_user_id, p_plan_id, p_actor, null, coalesce(p_now, pg_catalog.now()));
end;
$$;

create or replace function public.admin_set_cap_override(p_user_id text, p_cap bigint, p_actor text, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  return public.apply_cap_override('admin_set_cap_override', p_user_id, p_cap, p_actor, null, coalesce(p_now, pg_catalog.now()));
end;
$$;

create or replace function public.admin_grant_tokens(p_user_id text, p_tokens bigint, p_reason text, p_actor text, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  return public.apply_grant('admin_grant_tokens', p_user_id, p_tokens, p_reason, p_actor, coalesce(p_now, pg_catalog.now()));
end;
$$;

create or replace function public.admin_top_up(p_user_id text, p_tokens bigint, p_payment_ref text, p_actor text, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  return public.apply_top_up('admin_top_up', p_user_id, p_tokens, p_payment_ref, p_actor, null, coalesce(p_now, pg_catalog.now()));
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Checked user actions (the API's)
-- ---------------------------------------------------------------------------------------------
create function public.admin_set_user_plan(p_actor text, p_user_id text, p_plan_id text, p_reason text default null, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform public.require_admin('admin_set_user_plan', p_actor);
  return public.apply_user_plan('admin_set_user_plan', p_user_id, p_plan_id, p_actor,
    public.check_reason('admin_set_user_plan', p_reason, false), coalesce(p_now, pg_catalog.now()));
end;
$$;

-- p_cap null clears the override.
create function public.admin_set_user_cap_override(p_actor text, p_user_id text, p_cap bigint, p_reason text default null, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform public.require_admin('admin_set_user_cap_override', p_actor);
  return public.apply_cap_override('admin_set_user_cap_override', p_user_id, p_cap, p_actor,
    public.check_reason('admin_set_user_cap_override', p_reason, false), coalesce(p_now, pg_catalog.now()));
end;
$$;

create function public.admin_grant_user_tokens(p_actor text, p_user_id text, p_tokens bigint, p_reason text, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform public.require_admin('admin_grant_user_tokens', p_actor);
  return public.apply_grant('admin_grant_user_tokens', p_user_id, p_tokens,
    public.check_reason('admin_grant_user_tokens', p_reason, true), p_actor, coalesce(p_now, pg_catalog.now()));
end;
$$;

create function public.admin_top_up_user(
  p_actor text, p_user_id text, p_tokens bigint, p_payment_ref text, p_reason text default null, p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform public.require_admin('admin_top_up_user', p_actor);
  return public.apply_top_up('admin_top_up_user', p_user_id, p_tokens, p_payment_ref, p_actor,
    public.check_reason('admin_top_up_user', p_reason, false), coalesce(p_now, pg_catalog.now()));
end;
$$;

-- Forgives this period's plan usage (see the header). status || { ok: true, reset_tokens, audit_id }
create function public.admin_reset_usage(p_actor text, p_user_id text, p_reason text, p_now timestamptz default now())
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

  select u.plan_tokens_used into v_used
  from public.usage_periods u
  where u.user_id = p_user_id and u.period = v_period and u.period_start = v_start;
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

-- ---------------------------------------------------------------------------------------------
-- Catalogue and settings edits (the next reserve reads them)
-- ---------------------------------------------------------------------------------------------
-- p_changes: any of display_name, period, token_cap, model_tiers, max_output_tokens. { ok, plan, audit_id }
create function public.admin_update_plan(p_actor text, p_plan_id text, p_changes text, p_reason text default null, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  c_fn constant text := 'admin_update_plan';
  v_changes jsonb;
  v_reason text;
  v_name text;
  v_period text;
  v_cap bigint;
  v_tiers text[];
  v_max_output integer;
  v_old public.plans;
  v_new public.plans;
  v_audit bigint;
begin
  perform public.require_admin(c_fn, p_actor);
  perform public.require_text(c_fn, 'p_plan_id', p_plan_id);
  v_reason := public.check_reason(c_fn, p_reason, false);
  v_changes := public.parse_changes(c_fn, p_changes, array['display_name', 'period', 'token_cap', 'model_tiers', 'max_output_tokens']);
  v_name := public.change_text(c_fn, v_changes, 'display_name', null);
  v_period := public.change_text(c_fn, v_changes, 'period', array['day', 'month']);
  v_cap := public.change_number(c_fn, v_changes, 'token_cap', 0, 1000000000000, true);
  v_tiers := public.change_tiers(c_fn, v_changes, 'model_tiers');
  v_max_output := public.change_number(c_fn, v_changes, 'max_output_tokens', 1, 1000000, true);

  select p.* into v_old from public.plans p where p.id = p_plan_id for update;
  if not found then
    raise exception using errcode = 'P0002', message = pg_catalog.format('%s: unknown plan %s', c_fn, p_plan_id);
  end if;
  update public.plans p set
    display_name = coalesce(v_name, p.display_name),
    period = coalesce(v_period, p.period),
    token_cap = coalesce(v_cap, p.token_cap),
    model_tiers = coalesce(v_tiers, p.model_tiers),
    max_output_tokens = coalesce(v_max_output, p.max_output_tokens)
  where p.id = p_plan_id
  returning p.* into v_new;

  v_audit := public.write_admin_audit(p_actor, 'update_plan', null, 'plan:' || p_plan_id,
    pg_catalog.to_jsonb(v_old) - 'updated_at', pg_catalog.to_jsonb(v_new) - 'updated_at', v_reason, coalesce(p_now, pg_catalog.now()));
  return pg_catalog.jsonb_build_object('ok', true, 'plan', public.plan_json(v_new), 'audit_id', v_audit);
end;
$$;

-- p_changes: any of display_name, enabled, tier, input_price_per_mtok, output_price_per_mtok,
-- context_window, prompt_token_factor. { ok, model, audit_id }
create function public.admin_update_model(p_actor text, p_model_id text, p_changes text, p_reason text default null, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  c_fn constant text := 'admin_update_model';
  v_changes jsonb;
  v_reason text;
  v_name text;
  v_enabled boolean;
  v_tier text;
  v_in numeric;
  v_out numeric;
  v_context integer;
  v_factor numeric;
  v_old public.models;
  v_new public.models;
  v_audit bigint;
begin
  perform public.require_admin(c_fn, p_actor);
  perform public.require_text(c_fn, 'p_model_id', p_model_id);
  v_reason := public.check_reason(c_fn, p_reason, false);
  v_changes := public.parse_changes(c_fn, p_changes, array['display_name', 'enabled', 'tier', 'input_price_per_mtok',
    'output_price_per_mtok', 'context_window', 'prompt_token_factor']);
  v_name := public.change_text(c_fn, v_changes, 'display_name', null);
  v_enabled := public.change_boolean(c_fn, v_changes, 'enabled');
  v_tier := public.change_text(c_fn, v_changes, 'tier', array['basic', 'advanced', 'premium']);
  v_in := public.change_number(c_fn, v_changes, 'input_price_per_mtok', 0, 100000, false);
  v_out := public.change_number(c_fn, v_changes, 'output_price_per_mtok', 0, 100000, false);
  v_context := public.change_number(c_fn, v_changes, 'context_window', 1, 100000000, true);
  v_factor := public.change_number(c_fn, v_changes, 'prompt_token_factor', 1, 4, false);

  select m.* into v_old from public.models m where m.id = p_model_id for update;
  if not found then
    raise exception using errcode = 'P0002', message = pg_catalog.format('%s: unknown model %s', c_fn, p_model_id);
  end if;
  update public.models m set
    display_name = coalesce(v_name, m.display_name),
    enabled = coalesce(v_enabled, m.enabled),
    tier = coalesce(v_tier, m.tier),
    input_price_per_mtok = coalesce(v_in, m.input_price_per_mtok),
    output_price_per_mtok = coalesce(v_out, m.output_price_per_mtok),
    context_window = coalesce(v_context, m.context_window),
    prompt_token_factor = coalesce(v_factor, m.prompt_token_factor)
  where m.id = p_model_id
  returning m.* into v_new;

  v_audit := public.write_admin_audit(p_actor, 'update_model', null, 'model:' || p_model_id,
    pg_catalog.to_jsonb(v_old), pg_catalog.to_jsonb(v_new), v_reason, coalesce(p_now, pg_catalog.now()));
  return pg_catalog.jsonb_build_object('ok', true, 'model', pg_catalog.to_jsonb(v_new), 'audit_id', v_audit);
end;
$$;

-- p_changes: any of starter_balance, hold_ttl_seconds, balance_expiry_days (null clears it).
-- { ok, settings, audit_id }
create function public.admin_update_settings(p_actor text, p_changes text, p_reason text default null, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  c_fn constant text := 'admin_update_settings';
  v_changes jsonb;
  v_reason text;
  v_starter bigint;
  v_ttl integer;
  v_expiry integer;
  v_clear_expiry boolean;
  v_old public.app_settings;
  v_new public.app_settings;
  v_audit bigint;
begin
  perform public.require_admin(c_fn, p_actor);
  v_reason := public.check_reason(c_fn, p_reason, false);
  v_changes := public.parse_changes(c_fn, p_changes, array['starter_balance', 'hold_ttl_seconds', 'balance_expiry_days']);
  v_starter := public.change_number(c_fn, v_changes, 'starter_balance', 0, 1000000000, true);
  -- A hold must outlive the longest stream (LLM_MAX_STREAM_MS, 300 s by default, kept 60 s below it).
  v_ttl := public.change_number(c_fn, v_changes, 'hold_ttl_seconds', 60, 86400, true);
  v_clear_expiry := coalesce(pg_catalog.jsonb_typeof(v_changes -> 'balance_expiry_days') = 'null', false);
  if not v_clear_expiry then
    v_expiry := public.change_number(c_fn, v_changes, 'balance_expiry_days', 1, 3650, true);
  end if;

  select s.* into strict v_old from public.app_settings s where s.id for update;
  update public.app_settings s set
    starter_balance = coalesce(v_starter, s.starter_balance),
    hold_ttl_seconds = coalesce(v_ttl, s.hold_ttl_seconds),
    balance_expiry_days = case when v_clear_expiry then null else coalesce(v_expiry, s.balance_expiry_days) end
  where s.id
  returning s.* into v_new;

  v_audit := public.write_admin_audit(p_actor, 'update_settings', null, 'app_settings',
    public.settings_json(v_old) - 'updated_at', public.settings_json(v_new) - 'updated_at', v_reason, coalesce(p_now, pg_catalog.now()));
  return pg_catalog.jsonb_build_object('ok', true, 'settings', public.settings_json(v_new), 'audit_id', v_audit);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Reads (admins only too)
-- ---------------------------------------------------------------------------------------------
create function public.admin_list_plans(p_actor text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform public.require_admin('admin_list_plans', p_actor);
  return pg_catalog.jsonb_build_object('plans', coalesce(
    (select pg_catalog.jsonb_agg(public.plan_json(p) order by p.sort_order, p.id) from public.plans p), '[]'::jsonb));
end;
$$;

create function public.admin_list_models(p_actor text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform public.require_admin('admin_list_models', p_actor);
  return pg_catalog.jsonb_build_object('models', coalesce(
    (select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(m) order by m.sort_order, m.id) from public.models m), '[]'::jsonb));
end;
$$;

create function public.admin_get_settings(p_actor text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform public.require_admin('admin_get_settings', p_actor);
  return pg_catalog.jsonb_build_object('settings', (select public.settings_json(s) from public.app_settings s where s.id));
end;
$$;

-- Accounts whose user id contains p_query (case-insensitive; there is no e-mail column), optionally
-- on one plan, in user id order after p_cursor. Each with its status (plan, used, cap, held, balance).
-- { items: [status || { is_admin, cap_override, created_at, last_active_at }], next_cursor }
create function public.admin_search_users(
  p_actor text,
  p_query text default null,
  p_plan_id text default null,
  p_limit integer default 50,
  p_cursor text default null,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_pattern text;
  v_items jsonb;
  v_count integer;
begin
  perform public.require_admin('admin_search_users', p_actor);
  perform public.check_limit('admin_search_users', p_limit);
  if p_query is not null and pg_catalog.btrim(p_query) <> '' then
    v_pattern := '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.btrim(p_query), '\', '\\'), '%', '\%'), '_', '\_') || '%';
  end if;

  select pg_catalog.jsonb_agg(
      public.build_token_status(a.user_id, v_now) || pg_catalog.jsonb_build_object(
        'is_admin', a.is_admin,
        'cap_override', a.cap_override,
        'created_at', public.format_timestamp(a.created_at),
        'last_active_at', public.format_timestamp(a.last_active_at)
      ) order by a.user_id),
    pg_catalog.count(*)
  into v_items, v_count
  from (
    select a.* from public.accounts a
    where (v_pattern is null or a.user_id ilike v_pattern)
      and (p_plan_id is null or a.plan_id = p_plan_id)
      and (p_cursor is null or a.user_id > p_cursor)
    order by a.user_id
    limit p_limit + 1
  ) a;

  v_items := coalesce(v_items, '[]'::jsonb);
  if v_count > p_limit then
    v_items := v_items - p_limit;
    return pg_catalog.jsonb_build_object('items', v_items, 'next_cursor', v_items -> (p_limit - 1) ->> 'user_id');
  end if;
  return pg_catalog.jsonb_build_object('items', v_items, 'next_cursor', null);
end;
$$;

-- One user: status (plan, used this period, cap, held, balance) || { is_admin, cap_override,
-- created_at, last_active_at, balance_ledger: [...], usage: [...] } (the p_limit most recent of each).
create function public.admin_get_user(p_actor text, p_user_id text, p_limit integer default 20, p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_account public.accounts;
begin
  perform public.require_admin('admin_get_user', p_actor);
  perform public.require_text('admin_get_user', 'p_user_id', p_user_id);
  perform public.check_limit('admin_get_user', p_limit);
  select a.* into v_account from public.accounts a where a.user_id = p_user_id;
  if not found then
    raise exception using errcode = 'P0002', message = pg_catalog.format('No account for user %s.', p_user_id);
  end if;

  return public.build_token_status(p_user_id, v_now) || pg_catalog.jsonb_build_object(
    'is_admin', v_account.is_admin,
    'cap_override', v_account.cap_override,
    'created_at', public.format_timestamp(v_account.created_at),
    'last_active_at', public.format_timestamp(v_account.last_active_at),
    'balance_ledger', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', b.id, 'delta', b.delta, 'kind', b.kind, 'reason', b.reason, 'payment_ref', b.payment_ref,
          'request_id', b.request_id, 'actor', b.actor, 'created_at', public.format_timestamp(b.created_at)
        ) order by b.created_at desc, b.id desc)
      from (
        select b.* from public.balance_ledger b where b.user_id = p_user_id
        order by b.created_at desc, b.id desc limit p_limit
      ) b), '[]'::jsonb),
    'usage', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', u.id, 'request_id', u.request_id, 'model', u.model, 'input_tokens', u.input_tokens,
          'output_tokens', u.output_tokens, 'total_tokens', u.total_tokens, 'plan_tokens', u.plan_tokens,
          'balance_tokens', u.balance_tokens, 'cost_usd', u.cost_usd, 'outcome', u.outcome,
          'created_at', public.format_timestamp(u.created_at)
        ) order by u.created_at desc, u.id desc)
      from (
        select u.* from public.usage_ledger u where u.user_id = p_user_id
        order by u.created_at desc, u.id desc limit p_limit
      ) u), '[]'::jsonb)
  );
end;
$$;

-- The audit log, newest first (by id), filtered, keyset-paginated: p_before_id is the previous
-- page's next_cursor. p_from inclusive, p_to exclusive. { items, next_cursor }
create function public.admin_list_audit(
  p_actor text,
  p_filter_actor text default null,
  p_target_user_id text default null,
  p_action text default null,
  p_from timestamptz default null,
  p_to timestamptz default null,
  p_limit integer default 50,
  p_before_id bigint default null
)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_items jsonb;
  v_count integer;
begin
  perform public.require_admin('admin_list_audit', p_actor);
  perform public.check_limit('admin_list_audit', p_limit);

  select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'id', x.id, 'actor', x.actor, 'action', x.action, 'target_user_id', x.target_user_id, 'target', x.target,
      'old_value', x.old_value, 'new_value', x.new_value, 'reason', x.reason, 'created_at', public.format_timestamp(x.created_at)
    ) order by x.id desc),
    pg_catalog.count(*)
  into v_items, v_count
  from (
    select x.* from public.admin_audit x
    where (p_filter_actor is null or x.actor = p_filter_actor)
      and (p_target_user_id is null or x.target_user_id = p_target_user_id)
      and (p_action is null or x.action = p_action)
      and (p_from is null or x.created_at >= p_from)
      and (p_to is null or x.created_at < p_to)
      and (p_before_id is null or x.id < p_before_id)
    order by x.id desc
    limit p_limit + 1
  ) x;

  v_items := coalesce(v_items, '[]'::jsonb);
  if v_count > p_limit then
    v_items := v_items - p_limit;
    return pg_catalog.jsonb_build_object('items', v_items, 'next_cursor', (v_items -> (p_limit - 1) ->> 'id')::bigint);
  end if;
  return pg_catalog.jsonb_build_object('items', v_items, 'next_cursor', null);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Privileges: the server (service_role) only
-- ---------------------------------------------------------------------------------------------
revoke all on function
  public.admin_set_user_plan(text, text, text, text, timestamptz),
  public.admin_set_user_cap_override(text, text, bigint, text, timestamptz),
  public.admin_grant_user_tokens(text, text, bigint, text, timestamptz),
  public.admin_top_up_user(text, text, bigint, text, text, timestamptz),
  public.admin_reset_usage(text, text, text, timestamptz),
  public.admin_update_plan(text, text, text, text, timestamptz),
  public.admin_update_model(text, text, text, text, timestamptz),
  public.admin_update_settings(text, text, text, timestamptz),
  public.admin_list_plans(text),
  public.admin_list_models(text),
  public.admin_get_settings(text),
  public.admin_search_users(text, text, text, integer, text, timestamptz),
  public.admin_get_user(text, text, integer, timestamptz),
  public.admin_list_audit(text, text, text, text, timestamptz, timestamptz, integer, bigint)
from public, anon, authenticated;
grant execute on function
  public.admin_set_user_plan(text, text, text, text, timestamptz),
  public.admin_set_user_cap_override(text, text, bigint, text, timestamptz),
  public.admin_grant_user_tokens(text, text, bigint, text, timestamptz),
  public.admin_top_up_user(text, text, bigint, text, text, timestamptz),
  public.admin_reset_usage(text, text, text, timestamptz),
  public.admin_update_plan(text, text, text, text, timestamptz),
  public.admin_update_model(text, text, text, text, timestamptz),
  public.admin_update_settings(text, text, text, timestamptz),
  public.admin_list_plans(text),
  public.admin_list_models(text),
  public.admin_get_settings(text),
  public.admin_search_users(text, text, text, integer, text, timestamptz),
  public.admin_get_user(text, text, integer, timestamptz),
  public.admin_list_audit(text, text, text, text, timestamptz, timestamptz, integer, bigint)
to service_role;
