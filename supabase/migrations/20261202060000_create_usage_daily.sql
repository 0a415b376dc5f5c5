-- Admin analytics: daily rollups of usage_ledger and the one SQL function that reads them.
--
-- Two rollups, kept by a statement-level trigger on usage_ledger in the same transaction as every
-- insert, so for any set of UTC days the rollups' sums equal the ledger's (an unknown cost, null on
-- the ledger row, counts as 0, as in the usage reads):
--   * usage_daily_users (day, user_id): the users and spikes views. A user's settles already hold
--     their account's row lock, so this upsert never waits on another user's request.
--   * usage_daily_models (day, model, bucket): the totals, daily and models views. bucket is
--     hashtext(user_id) & 63, so concurrent requests of different users rarely share a row (the row
--     lock of an upsert is held until commit); a day has at most 64 rows per model.
--
-- Why rollups: the views aggregate a date range over every user. On the ledger that is one row per
-- request (a million rows is a few weeks of a busy product); a rollup has at most one row per user
-- and day, or per model, bucket and day.
--
-- Reads are for admins only (admin_analytics checks accounts.is_admin like every admin_* function)
-- and granted to the server (service_role) only. The rollups are written by the trigger alone; RLS is
-- on with no policy, and anon and authenticated have no privilege on them.

create table public.usage_daily_users (
  day date not null,
  user_id text not null,
  requests bigint not null check (requests > 0),
  input_tokens bigint not null check (input_tokens >= 0),
  output_tokens bigint not null check (output_tokens >= 0),
  total_tokens bigint not null check (total_tokens = input_tokens + output_tokens),
  cost_usd numeric not null check (cost_usd >= 0),
  primary key (day, user_id)
);
-- One user's days (the spikes view's 30-day history of today's spenders).
create index usage_daily_users_user_id_day_idx on public.usage_daily_users (user_id, day);

create table public.usage_daily_models (
  day date not null,
  model text not null,
  bucket smallint not null check (bucket between 0 and 63),
  requests bigint not null check (requests > 0),
  input_tokens bigint not null check (input_tokens >= 0),
  output_tokens bigint not null check (output_tokens >= 0),
  total_tokens bigint not null check (total_tokens = input_tokens + output_tokens),
  cost_usd numeric not null check (cost_usd >= 0),
  primary key (day, model, bucket)
);

alter table public.usage_daily_users enable row level security;
alter table public.usage_daily_models enable row level security;
comment on table public.usage_daily_users is
  'Per UTC day and user: the sums of usage_ledger (requests, tokens, cost with null as 0). Written only by the usage_ledger insert trigger.';
comment on table public.usage_daily_models is
  'Per UTC day, model and user bucket (hashtext(user_id) & 63): the sums of usage_ledger. Written only by the usage_ledger insert trigger.';

revoke all on table public.usage_daily_users, public.usage_daily_models from public, anon, authenticated;
revoke insert, update, delete, truncate on table public.usage_daily_users, public.usage_daily_models from service_role;
grant select on table public.usage_daily_users, public.usage_daily_models to service_role;

-- The trigger: the statement's new rows, summed per key and upserted in key order (two multi-row
-- inserts never lock rollup rows in opposite orders), users first then models, as every settle does.
create function public.roll_up_usage_ledger()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.usage_daily_users as d (day, user_id, requests, input_tokens, output_tokens, total_tokens, cost_usd)
  select (n.created_at at time zone 'UTC')::date, n.user_id, pg_catalog.count(*),
         pg_catalog.sum(n.input_tokens), pg_catalog.sum(n.output_tokens), pg_catalog.sum(n.total_tokens),
         coalesce(pg_catalog.sum(n.cost_usd), 0)
  from inserted n
  group by 1, 2
  order by 1, 2
  on conflict (day, user_id) do update set
    requests = d.requests + excluded.requests,
    input_tokens = d.input_tokens + excluded.input_tokens,
    output_tokens = d.output_tokens + excluded.output_tokens,
    total_tokens = d.total_tokens + excluded.total_tokens,
    cost_usd = d.cost_usd + excluded.cost_usd;

  insert into public.usage_daily_models as d (day, model, bucket, requests, input_tokens, output_tokens, total_tokens, cost_usd)
  select (n.created_at at time zone 'UTC')::date, n.model, (pg_catalog.hashtext(n.user_id) & 63)::smallint, pg_catalog.count(*),
         pg_catalog.sum(n.input_tokens), pg_catalog.sum(n.output_tokens), pg_catalog.sum(n.total_tokens),
         coalesce(pg_catalog.sum(n.cost_usd), 0)
  from inserted n
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
revoke all on function public.roll_up_usage_ledger() from public, anon, authenticated, service_role;

-- Backfill what the ledger holds now, with inserts held off until the trigger is in place.
lock table public.usage_ledger in share mode;

insert into public.usage_daily_users (day, user_id, requests, input_tokens, output_tokens, total_tokens, cost_usd)
select (u.created_at at time zone 'UTC')::date, u.user_id, pg_catalog.count(*),
       pg_catalog.sum(u.input_tokens), pg_catalog.sum(u.output_tokens), pg_catalog.sum(u.total_tokens), coalesce(pg_catalog.sum(u.cost_usd), 0)
from public.usage_ledger u
group by 1, 2;

insert into public.usage_daily_models (day, model, bucket, requests, input_tokens, output_tokens, total_tokens, cost_usd)
select (u.created_at at time zone 'UTC')::date, u.model, (pg_catalog.hashtext(u.user_id) & 63)::smallint, pg_catalog.count(*),
       pg_catalog.sum(u.input_tokens), pg_catalog.sum(u.output_tokens), pg_catalog.sum(u.total_tokens), coalesce(pg_catalog.sum(u.cost_usd), 0)
from public.usage_ledger u
group by 1, 2, 3;

create trigger usage_ledger_roll_up
  after insert on public.usage_ledger
  referencing new table as inserted
  for each statement
  execute function public.roll_up_usage_ledger();

-- ---------------------------------------------------------------------------------------------
-- admin_analytics(p_actor, p_view, p_from, p_to, p_limit, p_now): one view for the UTC days
-- p_from..p_to (both inclusive, at most 366 days):
--   'daily'  { view, from, to, totals, rows: [{ day, requests, input_tokens, output_tokens, total_tokens, cost_usd }] }
--            every day of the range, zeros included, oldest first
--   'models' { view, from, to, totals, rows: [{ model, ... }] } by total_tokens desc, then model
--   'users'  { view, from, to, totals, rows: [{ user_id, ... }] } the p_limit (1..1000) users with the
--            most tokens, then user id
--   'spikes' { view, day, rows: [{ user_id, today_cost_usd, today_tokens, average_daily_cost_usd, ratio }] }
--            users whose cost on p_now's UTC day is more than twice their average daily cost over the
--            30 days before it (days without usage count as 0; ratio null when that average is 0),
--            by today's cost desc, at most p_limit; p_from and p_to are not used.
-- totals: { requests, input_tokens, output_tokens, total_tokens, cost_usd } over the whole range.
-- ---------------------------------------------------------------------------------------------
create function public.usage_daily_sums_json(p_requests numeric, p_input numeric, p_output numeric, p_total numeric, p_cost numeric)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'requests', coalesce(p_requests, 0), 'input_tokens', coalesce(p_input, 0), 'output_tokens', coalesce(p_output, 0),
    'total_tokens', coalesce(p_total, 0), 'cost_usd', coalesce(p_cost, 0))
$$;
revoke all on function public.usage_daily_sums_json(numeric, numeric, numeric, numeric, numeric) from public, anon, authenticated, service_role;

create function public.admin_analytics(
  p_actor text,
  p_view text,
  p_from date,
  p_to date,
  p_limit integer default 50,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_today date := (coalesce(p_now, pg_catalog.now()) at time zone 'UTC')::date;
  v_totals jsonb;
  v_rows jsonb;
begin
  perform public.require_admin('admin_analytics', p_actor);
  if p_view is null or p_view not in ('daily', 'models', 'users', 'spikes') then
    raise exception using errcode = '22023',
      message = pg_catalog.format('admin_analytics: p_view must be daily, models, users or spikes (got %L)', p_view);
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception using errcode = '22023', message = 'admin_analytics: p_limit must be from 1 to 1000';
  end if;

  if p_view = 'spikes' then
    -- One pass over the 31 days (today and the 30 before), one group per user.
    with per_user as (
      select d.user_id,
             pg_catalog.sum(d.cost_usd) filter (where d.day = v_today) as cost,
             pg_catalog.sum(d.total_tokens) filter (where d.day = v_today) as tokens,
             coalesce(pg_catalog.sum(d.cost_usd) filter (where d.day < v_today), 0) / 30 as average
      from public.usage_daily_users d
      where d.day between v_today - 30 and v_today
      group by d.user_id
    ), spikes as (
      select p.user_id, p.cost, p.tokens, p.average
      from per_user p
      where p.cost > 2 * p.average
      order by p.cost desc, p.user_id
      limit p_limit
    )
    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'user_id', s.user_id, 'today_cost_usd', s.cost, 'today_tokens', s.tokens,
        'average_daily_cost_usd', pg_catalog.round(s.average, 10),
        'ratio', case when s.average > 0 then pg_catalog.round(s.cost / s.average, 2) end
      ) order by s.cost desc, s.user_id)
    into v_rows
    from spikes s;
    return pg_catalog.jsonb_build_object('view', 'spikes', 'day', pg_catalog.to_char(v_today, 'YYYY-MM-DD'),
      'rows', coalesce(v_rows, '[]'::jsonb));
  end if;

  if p_from is null or p_to is null then
    raise exception using errcode = '22023', message = 'admin_analytics: p_from and p_to must be dates';
  end if;
  if p_from > p_to then
    raise exception using errcode = '22023', message = 'admin_analytics: p_from must not be after p_to';
  end if;
  if p_to - p_from > 365 then
    raise exception using errcode = '22023', message = 'admin_analytics: the range must be at most 366 days';
  end if;

  select public.usage_daily_sums_json(pg_catalog.sum(d.requests), pg_catalog.sum(d.input_tokens),
           pg_catalog.sum(d.output_tokens), pg_catalog.sum(d.total_tokens), pg_catalog.sum(d.cost_usd))
  into v_totals
  from public.usage_daily_models d
  where d.day between p_from and p_to;

  if p_view = 'daily' then
    select pg_catalog.jsonb_agg(
        pg_catalog.jsonb_build_object('day', pg_catalog.to_char(g.day, 'YYYY-MM-DD'))
          || public.usage_daily_sums_json(a.requests, a.input_tokens, a.output_tokens, a.total_tokens, a.cost_usd)
        order by g.day)
    into v_rows
    from (select s::date as day from pg_catalog.generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') s) g
    left join (
      select d.day, pg_catalog.sum(d.requests) as requests, pg_catalog.sum(d.input_tokens) as input_tokens,
             pg_catalog.sum(d.output_tokens) as output_tokens, pg_catalog.sum(d.total_tokens) as total_tokens,
             pg_catalog.sum(d.cost_usd) as cost_usd
      from public.usage_daily_models d
      where d.day between p_from and p_to
      group by d.day
    ) a on a.day = g.day;
  elsif p_view = 'models' then
    select pg_catalog.jsonb_agg(
        pg_catalog.jsonb_build_object('model', a.model)
          || public.usage_daily_sums_json(a.requests, a.input_tokens, a.output_tokens, a.total_tokens, a.cost_usd)
        order by a.total_tokens desc, a.model)
    into v_rows
    from (
      select d.model, pg_catalog.sum(d.requests) as requests, pg_catalog.sum(d.input_tokens) as input_tokens,
             pg_catalog.sum(d.output_tokens) as output_tokens, pg_catalog.sum(d.total_tokens) as total_tokens,
             pg_catalog.sum(d.cost_usd) as cost_usd
      from public.usage_daily_models d
      where d.day between p_from and p_to
      group by d.model
    ) a;
  else
    select pg_catalog.jsonb_agg(
        pg_catalog.jsonb_build_object('user_id', a.user_id)
          || public.usage_daily_sums_json(a.requests, a.input_tokens, a.output_tokens, a.total_tokens, a.cost_usd)
        order by a.total_tokens desc, a.user_id)
    into v_rows
    from (
      select d.user_id, pg_catalog.sum(d.requests) as requests, pg_catalog.sum(d.input_tokens) as input_tokens,
             pg_catalog.sum(d.output_tokens) as output_tokens, pg_catalog.sum(d.total_tokens) as total_tokens,
             pg_catalog.sum(d.cost_usd) as cost_usd
      from public.usage_daily_users d
      where d.day between p_from and p_to
      group by d.user_id
      order by total_tokens desc, d.user_id
      limit p_limit
    ) a;
  end if;

  return pg_catalog.jsonb_build_object('view', p_view, 'from', pg_catalog.to_char(p_from, 'YYYY-MM-DD'),
    'to', pg_catalog.to_char(p_to, 'YYYY-MM-DD'), 'totals', v_totals, 'rows', coalesce(v_rows, '[]'::jsonb));
end;
$$;
comment on function public.admin_analytics(text, text, date, date, integer, timestamptz) is
  'Admin analytics from the daily rollups (usage_daily_users, usage_daily_models): daily, models or users totals for the UTC days p_from..p_to, or today''s spend spikes. Admins only.';
revoke all on function public.admin_analytics(text, text, date, date, integer, timestamptz) from public, anon, authenticated;
grant execute on function public.admin_analytics(text, text, date, date, integer, timestamptz) to service_role;
