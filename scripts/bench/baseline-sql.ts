/**
 * The minimal correct baseline that the product's reserve_tokens + settle_tokens are measured
 * against (section 2): the same job written as plainly as it can be, in its own schema of the
 * bench's throwaway database (created by the bench, never a migration). It keeps the product's
 * calling conventions (SECURITY DEFINER, search_path = '', jsonb result, p_now last) so both pay
 * the same per-call overhead, and leaves out what the product adds (plans, models, the status
 * shape, balances, rollups, alerts, checkpoints).
 *
 * Correctness: a reserve locks the account row (FOR UPDATE), so one user's reserves run one at a
 * time; a settle commits "hold gone" and "usage added" together, so a reserve's one-statement read
 * of usage plus unexpired holds never counts a request twice or not at all. Deleting the hold is
 * the settle's idempotency gate: a retried or concurrent second settle deletes nothing and returns.
 */

export const BASELINE_SCHEMA = "bench_baseline";

/** Hold lifetime, as app_settings.hold_ttl_seconds defaults to. */
const HOLD_TTL = "10 minutes";

export const BASELINE_SCHEMA_SQL = `
drop schema if exists bench_baseline cascade;
create schema bench_baseline;

create table bench_baseline.accounts (
  user_id text primary key,
  cap bigint not null check (cap >= 0),
  balance bigint not null default 0 check (balance >= 0)
);

create table bench_baseline.holds (
  request_id text primary key,
  user_id text not null,
  tokens bigint not null check (tokens > 0),
  period_start timestamptz not null,
  expires_at timestamptz not null
);
create index holds_user_id_expires_at_idx on bench_baseline.holds (user_id, expires_at);

create table bench_baseline.usage_periods (
  user_id text not null,
  period_start timestamptz not null,
  used bigint not null default 0,
  primary key (user_id, period_start)
);

create table bench_baseline.ledger (
  id bigint generated always as identity primary key,
  request_id text not null unique,
  user_id text not null,
  tokens bigint not null check (tokens >= 0),
  created_at timestamptz not null default now()
);

-- { ok: true, reserved, remaining } | { ok: false, reason: 'duplicate' | 'quota_exceeded' | 'no_account' }
create function bench_baseline.baseline_reserve(p_user_id text, p_request_id text, p_tokens bigint, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_start timestamptz := pg_catalog.date_trunc('day', p_now at time zone 'UTC') at time zone 'UTC';
  v_cap bigint;
  v_balance bigint;
  v_used bigint;
  v_held bigint;
  v_remaining bigint;
begin
  select a.cap, a.balance into v_cap, v_balance
  from bench_baseline.accounts a
  where a.user_id = p_user_id
  for update;
  if not found then
    return pg_catalog.jsonb_build_object('ok', false, 'reason', 'no_account');
  end if;

  if exists (select 1 from bench_baseline.holds h where h.request_id = p_request_id)
     or exists (select 1 from bench_baseline.ledger l where l.request_id = p_request_id) then
    return pg_catalog.jsonb_build_object('ok', false, 'reason', 'duplicate');
  end if;

  select coalesce((select u.used from bench_baseline.usage_periods u where u.user_id = p_user_id and u.period_start = v_start), 0),
         coalesce((select sum(h.tokens) from bench_baseline.holds h where h.user_id = p_user_id and h.expires_at > p_now), 0)
  into v_used, v_held;
  v_remaining := greatest(v_cap - v_used, 0) + v_balance - v_held;
  if v_remaining < p_tokens then
    return pg_catalog.jsonb_build_object('ok', false, 'reason', 'quota_exceeded', 'remaining', greatest(v_remaining, 0));
  end if;

  insert into bench_baseline.holds (request_id, user_id, tokens, period_start, expires_at)
  values (p_request_id, p_user_id, p_tokens, v_start, p_now + interval '${HOLD_TTL}');
  return pg_catalog.jsonb_build_object('ok', true, 'reserved', p_tokens, 'remaining', v_remaining - p_tokens);
end;
$$;

-- { ok: true, charged } | { ok: false, reason: 'not_held' } (settled already, or never reserved)
create function bench_baseline.baseline_settle(p_request_id text, p_user_id text, p_tokens bigint, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_start timestamptz;
begin
  delete from bench_baseline.holds h
  where h.request_id = p_request_id and h.user_id = p_user_id
  returning h.period_start into v_start;
  if not found then
    return pg_catalog.jsonb_build_object('ok', false, 'reason', 'not_held');
  end if;

  insert into bench_baseline.usage_periods as u (user_id, period_start, used)
  values (p_user_id, v_start, p_tokens)
  on conflict (user_id, period_start) do update set used = u.used + excluded.used;

  insert into bench_baseline.ledger (request_id, user_id, tokens, created_at)
  values (p_request_id, p_user_id, p_tokens, p_now);
  return pg_catalog.jsonb_build_object('ok', true, 'charged', p_tokens);
end;
$$;

revoke all on function bench_baseline.baseline_reserve(text, text, bigint, timestamptz) from public;
revoke all on function bench_baseline.baseline_settle(text, text, bigint, timestamptz) from public;
grant usage on schema bench_baseline to service_role;
grant execute on function bench_baseline.baseline_reserve(text, text, bigint, timestamptz) to service_role;
grant execute on function bench_baseline.baseline_settle(text, text, bigint, timestamptz) to service_role;
`;

/**
 * The baseline gets the product's seeded shape, copied row for row (run after the product's seed):
 * every account with its effective cap and balance, every hold, every period's usage, every ledger row.
 */
export const BASELINE_COPY_SQL = `
insert into bench_baseline.accounts (user_id, cap, balance)
select a.user_id, coalesce(a.cap_override, p.token_cap), a.balance
from public.accounts a join public.plans p on p.id = a.plan_id;

insert into bench_baseline.holds (request_id, user_id, tokens, period_start, expires_at)
select r.request_id, r.user_id, r.tokens, r.period_start, r.expires_at from public.reservations r;

insert into bench_baseline.usage_periods (user_id, period_start, used)
select u.user_id, u.period_start, u.plan_tokens_used from public.usage_periods u where u.period = 'day';

insert into bench_baseline.ledger (request_id, user_id, tokens, created_at)
select l.request_id, l.user_id, l.total_tokens, l.created_at from public.usage_ledger l order by l.id;
`;
