-- Usage alerts, part 1 of 2: the table and where a crossing is recorded.
--
-- A user is told once per period when their plan usage reaches 80% and again at 95% of the cap,
-- whichever tab or device they use: the crossing is a row here, written in the same transaction as
-- the settle that caused it, and shown in the token status until the user acknowledges it (part 2,
-- ..._add_usage_alerts_to_status.sql).
--
-- Where: an AFTER trigger on public.usage_periods rather than a new settle_tokens. The trigger sees
-- OLD and NEW plan_tokens_used of exactly the row settle_tokens writes, runs inside its transaction
-- and under its lock on the account row (so concurrent settles of one user are already serialised,
-- and the primary key makes a second row for a threshold impossible anyway), and leaves
-- settle_tokens itself, its idempotency and its result, untouched: no second copy of its body to
-- keep in step. Its cost is one primary-key lookup (account and plan) per settle that charges the
-- plan allowance, plus one insert per threshold crossed (at most two per period).
--
-- Conventions as in ..._create_metering_functions.sql: search_path = '', every name qualified;
-- internal helpers are SECURITY INVOKER and granted to nobody.

-- ---------------------------------------------------------------------------------------------
-- Table (RLS enabled as it is created: Supabase's default grants give anon and authenticated ALL
-- on every new public table)
-- ---------------------------------------------------------------------------------------------
create table public.usage_alerts (
  user_id text not null references public.accounts (user_id),
  period text not null check (period in ('day', 'month')),
  period_start timestamptz not null,
  threshold smallint not null check (threshold in (80, 95)),
  -- The plan usage and cap at the settle that crossed the threshold.
  used bigint not null check (used >= 0),
  cap bigint not null check (cap >= 0),
  crossed_at timestamptz not null,
  acknowledged_at timestamptz,
  -- Once per threshold per period per user. The period is part of the key: a UTC day and a UTC
  -- month can start at the same instant (the 1st), and a plan change can switch between them.
  primary key (user_id, period, period_start, threshold)
);
alter table public.usage_alerts enable row level security;
comment on table public.usage_alerts is
  'One row per user, period and warning threshold (80, 95) crossed by a settle; written only by the trigger on usage_periods, acknowledged through acknowledge_usage_alerts / acknowledge_my_usage_alerts.';
comment on column public.usage_alerts.acknowledged_at is 'When the user dismissed the alert; null while the status still carries it.';

-- anon: nothing. authenticated: SELECT of their own rows. service_role (bypasses RLS): SELECT;
-- rows are written only by the trigger and the acknowledge functions.
revoke all on table public.usage_alerts from anon, authenticated;
grant select on table public.usage_alerts to authenticated;
revoke insert, update, delete, truncate on table public.usage_alerts from service_role;

create policy "users read their own usage alerts"
  on public.usage_alerts for select to authenticated
  using (user_id = (select auth.jwt() ->> 'sub'));

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- Percent of the cap used, rounded down to one decimal; a zero cap counts as fully used.
-- The same rule as usagePercent in lib/client/thresholds.ts, Math.floor((used / cap) * 1000) / 10,
-- and the same arithmetic: IEEE 754 doubles, as JavaScript's numbers (exact for integers below 2^53,
-- each operation correctly rounded), so both sides agree to the bit, even where an exact decimal
-- division would round differently (201 / 200: 100.4 in doubles, 100.5 exactly).
create function public.usage_percent(p_used bigint, p_cap bigint)
returns double precision
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when p_cap <= 0 then 100::double precision
    else pg_catalog.floor((p_used::double precision / p_cap::double precision) * 1000) / 10
  end
$$;
comment on function public.usage_percent(bigint, bigint) is 'floor(used / cap * 1000) / 10; 100 when cap <= 0. Mirrors usagePercent (lib/client/thresholds.ts).';
revoke all on function public.usage_percent(bigint, bigint) from public, anon, authenticated, service_role;

-- Trigger: when a write to usage_periods moves the plan usage of the user's current plan period
-- from below t% of the cap to at or above it (t in 80, 95), records the crossing once. The cap is
-- the one settle_tokens and the status use: the account's cap_override, else its plan's token_cap.
-- A row of another period kind than the current plan's (a hold taken before a plan change) records
-- nothing: its percentage of the new plan's cap would mean nothing and the status would never show it.
create function public.record_usage_alerts()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_old_used bigint := 0;
  v_cap bigint;
  v_period text;
  v_old_percent double precision;
  v_new_percent double precision;
  v_threshold smallint;
begin
  if tg_op = 'UPDATE' then
    v_old_used := old.plan_tokens_used;
  end if;
  if new.plan_tokens_used <= v_old_used then
    return null;
  end if;

  select coalesce(a.cap_override, p.token_cap), p.period into v_cap, v_period
  from public.accounts a join public.plans p on p.id = a.plan_id
  where a.user_id = new.user_id;
  if not found or v_period <> new.period then
    return null;
  end if;

  -- The common case: still below the first threshold.
  v_new_percent := public.usage_percent(new.plan_tokens_used, v_cap);
  if v_new_percent < 80 then
    return null;
  end if;
  v_old_percent := public.usage_percent(v_old_used, v_cap);

  foreach v_threshold in array array[80, 95]::smallint[] loop
    if v_old_percent < v_threshold and v_new_percent >= v_threshold then
      insert into public.usage_alerts (user_id, period, period_start, threshold, used, cap, crossed_at)
      values (new.user_id, new.period, new.period_start, v_threshold, new.plan_tokens_used, v_cap, new.updated_at)
      on conflict do nothing;
    end if;
  end loop;
  return null;
end;
$$;
comment on function public.record_usage_alerts() is
  'Trigger on usage_periods: records each warning threshold (80%, 95% of the cap) a settle crosses, once per user and period.';
revoke all on function public.record_usage_alerts() from public, anon, authenticated, service_role;

create trigger usage_periods_record_alerts
  after insert or update of plan_tokens_used on public.usage_periods
  for each row execute function public.record_usage_alerts();
