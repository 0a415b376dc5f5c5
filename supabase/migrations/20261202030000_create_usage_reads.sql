-- The reads behind the /usage page: the request history (keyset pages), daily totals by model and
-- totals by model, each one SQL function over public.usage_ledger.
--
-- Conventions (as in ..._create_metering_functions.sql, except where said):
--   * The reads run as the signed-in user: SECURITY INVOKER, granted to authenticated, filtering by
--     the subject (select auth.jwt()->>'sub') and reading through the RLS policies already on
--     usage_ledger, messages, accounts and plans ("users read their own ..."). Without a subject they
--     raise 42501. No SECURITY DEFINER anywhere in this file.
--   * get_usage_* (p_user_id first) are the server's twins for a hosted Supabase when the session has
--     no JWT the database can verify (the dev sign-in), as get_token_status is for get_my_token_status:
--     SECURITY INVOKER too, granted to service_role only; they set the request's claims to that user
--     for the call (restored afterwards) and run the very same get_my_* function.
--   * Ranges: 'period' is the user's current allowance period (the UTC day on a daily plan, the UTC
--     month on a monthly one; an account that does not exist yet is on the free plan), '7d' and '30d'
--     are the 7 and 30 days up to now. A range is from <= created_at <= to, with to = p_now.
--   * Rows are ordered newest first by (created_at, id), the order of usage_ledger_user_id_created_at_id_idx.
--     A page's cursor is the last row's (created_at with microseconds, id); the next page is the rows
--     strictly after it, so paging never skips nor repeats a row, even when rows share a created_at.
--   * Times in results are ISO-8601 UTC strings with milliseconds ("2026-12-01T10:00:00.000Z"); the
--     cursor and as_of carry microseconds ("2026-12-01T10:00:00.123456Z") to be passed back exactly.
--     format_timestamp is not granted to authenticated, so the format is spelled out here.
--   * cost_usd sums count an unknown cost (null) as 0; on a row it stays null.
--   * p_now (tests, and the cursor's anchor: every page of one listing uses the first page's as_of).

-- ---------------------------------------------------------------------------------------------
-- usage_range: [range_from, range_to] of a range for the subject. Internal helper (executable by the
-- roles whose reads call it; it returns only times, read under the caller's RLS).
-- ---------------------------------------------------------------------------------------------
create function public.usage_range(
  p_function text,
  p_range text,
  p_now timestamptz,
  out range_from timestamptz,
  out range_to timestamptz
)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_period text;
begin
  if p_now is null then
    raise exception using errcode = '22023', message = pg_catalog.format('%s: p_now must not be null', p_function);
  end if;
  range_to := p_now;
  if p_range = 'period' then
    -- The plan's period, as public.period_bounds defines it ('day' or 'month', UTC calendar).
    select p.period into v_period
    from public.plans p
    where p.id = coalesce(
      (select a.plan_id from public.accounts a where a.user_id = (select auth.jwt() ->> 'sub')),
      'free'
    );
    if v_period is null or v_period not in ('day', 'month') then
      raise exception using errcode = '22023', message = pg_catalog.format('%s: unknown period %L', p_function, v_period);
    end if;
    range_from := pg_catalog.date_trunc(v_period, p_now at time zone 'UTC') at time zone 'UTC';
  elsif p_range = '7d' then
    range_from := p_now - interval '7 days';
  elsif p_range = '30d' then
    range_from := p_now - interval '30 days';
  else
    raise exception using errcode = '22023',
      message = pg_catalog.format('%s: p_range must be ''period'', ''7d'' or ''30d'' (got %L)', p_function, p_range);
  end if;
end;
$$;
comment on function public.usage_range(text, text, timestamptz) is
  'The [from, to] of a usage range for the subject of the request: period (the plan''s current UTC day or month), 7d or 30d, up to p_now.';
revoke all on function public.usage_range(text, text, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.usage_range(text, text, timestamptz) to authenticated, service_role;

-- The subject of the request, or 42501 naming the function.
create function public.require_subject(p_function text)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  v_sub text := (select auth.jwt() ->> 'sub');
begin
  if v_sub is null or v_sub = '' then
    raise exception using errcode = '42501',
      message = pg_catalog.format('%s: no signed-in user (the JWT has no sub claim)', p_function);
  end if;
  return v_sub;
end;
$$;
revoke all on function public.require_subject(text) from public, anon, authenticated, service_role;
grant execute on function public.require_subject(text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- get_my_usage_history: one page of the subject's requests in a range, newest first.
-- ---------------------------------------------------------------------------------------------
-- { items: [{ request_id, created_at, model, input_tokens, output_tokens, total_tokens, cost_usd,
--             outcome, conversation_id }],
--   next_cursor: { created_at, id } | null,   -- pass back as p_before_created_at, p_before_id
--   range: { from, to }, as_of }               -- as_of: p_now, to be passed back with the cursor
-- conversation_id is null when the request's conversation was deleted (or it had none).
create function public.get_my_usage_history(
  p_range text,
  p_limit integer default 50,
  p_before_created_at timestamptz default null,
  p_before_id bigint default null,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_sub text := public.require_subject('get_my_usage_history');
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_limit integer := coalesce(p_limit, 50);
  v_from timestamptz;
  v_to timestamptz;
  -- No cursor: start above every row, so the one index condition serves every page.
  v_before_at timestamptz := coalesce(p_before_created_at, 'infinity'::timestamptz);
  v_before_id bigint := coalesce(p_before_id, 9223372036854775807);
  v_items jsonb;
  v_more boolean;
  v_last_at timestamptz;
  v_last_id bigint;
begin
  if v_limit < 1 or v_limit > 1000 then
    raise exception using errcode = '22023',
      message = pg_catalog.format('get_my_usage_history: p_limit must be between 1 and 1000 (got %s)', v_limit);
  end if;
  if (p_before_created_at is null) <> (p_before_id is null) then
    raise exception using errcode = '22023',
      message = 'get_my_usage_history: p_before_created_at and p_before_id must be given together';
  end if;
  select r.range_from, r.range_to into v_from, v_to from public.usage_range('get_my_usage_history', p_range, v_now) r;

  with page as (
    select l.id, l.request_id, l.created_at, l.model, l.input_tokens, l.output_tokens, l.total_tokens,
           l.cost_usd, l.outcome,
           pg_catalog.row_number() over (order by l.created_at desc, l.id desc) as n
    from (
      select u.* from public.usage_ledger u
      where u.user_id = v_sub
        and u.created_at >= v_from and u.created_at <= v_to
        and (u.created_at, u.id) < (v_before_at, v_before_id)
      order by u.created_at desc, u.id desc
      limit v_limit + 1
    ) l
  )
  select
    coalesce(
      pg_catalog.jsonb_agg(
        pg_catalog.jsonb_build_object(
          'request_id', p.request_id,
          'created_at', pg_catalog.to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'model', p.model,
          'input_tokens', p.input_tokens,
          'output_tokens', p.output_tokens,
          'total_tokens', p.total_tokens,
          'cost_usd', p.cost_usd,
          'outcome', p.outcome,
          'conversation_id', (
            select m.conversation_id from public.messages m
            where m.user_id = v_sub and m.request_id = p.request_id
            limit 1
          )
        ) order by p.n
      ) filter (where p.n <= v_limit),
      '[]'::jsonb
    ),
    pg_catalog.count(*) > v_limit,
    pg_catalog.max(p.created_at) filter (where p.n = v_limit),
    pg_catalog.max(p.id) filter (where p.n = v_limit)
  into v_items, v_more, v_last_at, v_last_id
  from page p;

  return pg_catalog.jsonb_build_object(
    'items', v_items,
    'next_cursor', case when v_more then pg_catalog.jsonb_build_object(
      'created_at', pg_catalog.to_char(v_last_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
      'id', v_last_id
    ) end,
    'range', pg_catalog.jsonb_build_object(
      'from', pg_catalog.to_char(v_from at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'to', pg_catalog.to_char(v_to at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    ),
    'as_of', pg_catalog.to_char(v_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  );
end;
$$;
comment on function public.get_my_usage_history(text, integer, timestamptz, bigint, timestamptz) is
  'One page (1..1000 rows) of the signed-in user''s usage_ledger rows in a range, newest first, keyset on (created_at, id), with the request''s conversation (null once deleted). Read under RLS.';
revoke all on function public.get_my_usage_history(text, integer, timestamptz, bigint, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.get_my_usage_history(text, integer, timestamptz, bigint, timestamptz) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- get_my_usage_daily: totals per UTC day and model for the last p_days UTC days (today included),
-- every day present (zero-filled), oldest first.
-- ---------------------------------------------------------------------------------------------
-- { from, to, days: [{ date: 'YYYY-MM-DD', by_model: { <model>: { tokens, requests, cost_usd } },
--                      total_tokens, requests, cost_usd }],
--   models: [<model>...] }   -- the models in the window, most tokens first
create function public.get_my_usage_daily(p_days integer default 30, p_now timestamptz default now())
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_sub text := public.require_subject('get_my_usage_daily');
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_days integer := coalesce(p_days, 30);
  v_today date := (v_now at time zone 'UTC')::date;
  v_first date;
  v_from timestamptz;
  v_result jsonb;
begin
  if v_days < 1 or v_days > 366 then
    raise exception using errcode = '22023',
      message = pg_catalog.format('get_my_usage_daily: p_days must be between 1 and 366 (got %s)', v_days);
  end if;
  v_first := v_today - (v_days - 1);
  v_from := v_first::timestamp at time zone 'UTC';

  with totals as (
    select (u.created_at at time zone 'UTC')::date as day, u.model,
           pg_catalog.count(*) as requests,
           pg_catalog.sum(u.total_tokens) as tokens,
           coalesce(pg_catalog.sum(u.cost_usd), 0) as cost_usd
    from public.usage_ledger u
    where u.user_id = v_sub and u.created_at >= v_from and u.created_at <= v_now
    group by 1, 2
  ),
  days as (
    select d::date as day from pg_catalog.generate_series(v_first::timestamp, v_today::timestamp, interval '1 day') d
  )
  select pg_catalog.jsonb_build_object(
    'from', pg_catalog.to_char(v_from at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'to', pg_catalog.to_char(v_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'days', (
      select pg_catalog.jsonb_agg(
        pg_catalog.jsonb_build_object(
          'date', pg_catalog.to_char(d.day, 'YYYY-MM-DD'),
          'by_model', coalesce(t.by_model, '{}'::jsonb),
          'total_tokens', coalesce(t.tokens, 0),
          'requests', coalesce(t.requests, 0),
          'cost_usd', coalesce(t.cost_usd, 0)
        ) order by d.day
      )
      from days d
      left join (
        select t.day,
               pg_catalog.jsonb_object_agg(t.model, pg_catalog.jsonb_build_object(
                 'tokens', t.tokens, 'requests', t.requests, 'cost_usd', t.cost_usd
               )) as by_model,
               pg_catalog.sum(t.tokens) as tokens,
               pg_catalog.sum(t.requests) as requests,
               pg_catalog.sum(t.cost_usd) as cost_usd
        from totals t
        group by t.day
      ) t on t.day = d.day
    ),
    'models', coalesce((
      select pg_catalog.jsonb_agg(m.model order by m.tokens desc, m.model)
      from (select t.model, pg_catalog.sum(t.tokens) as tokens from totals t group by t.model) m
    ), '[]'::jsonb)
  ) into v_result;
  return v_result;
end;
$$;
comment on function public.get_my_usage_daily(integer, timestamptz) is
  'The signed-in user''s tokens, requests and cost per UTC day and model over the last p_days (1..366) UTC days, zero-filled. Read under RLS.';
revoke all on function public.get_my_usage_daily(integer, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.get_my_usage_daily(integer, timestamptz) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- get_my_usage_by_model: totals per model in a range, most tokens first.
-- ---------------------------------------------------------------------------------------------
-- { range: { from, to }, models: [{ model, requests, input_tokens, output_tokens, total_tokens, cost_usd }] }
create function public.get_my_usage_by_model(p_range text, p_now timestamptz default now())
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_sub text := public.require_subject('get_my_usage_by_model');
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_from timestamptz;
  v_to timestamptz;
  v_models jsonb;
begin
  select r.range_from, r.range_to into v_from, v_to from public.usage_range('get_my_usage_by_model', p_range, v_now) r;

  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'model', m.model,
      'requests', m.requests,
      'input_tokens', m.input_tokens,
      'output_tokens', m.output_tokens,
      'total_tokens', m.total_tokens,
      'cost_usd', m.cost_usd
    ) order by m.total_tokens desc, m.model), '[]'::jsonb)
  into v_models
  from (
    select u.model,
           pg_catalog.count(*) as requests,
           pg_catalog.sum(u.input_tokens) as input_tokens,
           pg_catalog.sum(u.output_tokens) as output_tokens,
           pg_catalog.sum(u.total_tokens) as total_tokens,
           coalesce(pg_catalog.sum(u.cost_usd), 0) as cost_usd
    from public.usage_ledger u
    where u.user_id = v_sub and u.created_at >= v_from and u.created_at <= v_to
    group by u.model
  ) m;

  return pg_catalog.jsonb_build_object(
    'range', pg_catalog.jsonb_build_object(
      'from', pg_catalog.to_char(v_from at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'to', pg_catalog.to_char(v_to at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    ),
    'models', v_models
  );
end;
$$;
comment on function public.get_my_usage_by_model(text, timestamptz) is
  'The signed-in user''s requests, input, output and total tokens and cost per model in a range. Read under RLS.';
revoke all on function public.get_my_usage_by_model(text, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.get_my_usage_by_model(text, timestamptz) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- The server's twins (service_role only): the same reads for p_user_id, for a hosted Supabase
-- session without a verifiable JWT. They run the get_my_* function with the request's claims set to
-- that user (sub, role authenticated) for the duration of the call, so there is one implementation.
-- ---------------------------------------------------------------------------------------------
create function public.set_usage_subject(p_function text, p_user_id text)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_previous text := pg_catalog.current_setting('request.jwt.claims', true);
begin
  if p_user_id is null or pg_catalog.btrim(p_user_id) = '' then
    raise exception using errcode = '22023', message = pg_catalog.format('%s: p_user_id must be a non-empty string', p_function);
  end if;
  perform pg_catalog.set_config(
    'request.jwt.claims',
    pg_catalog.jsonb_build_object('sub', p_user_id, 'role', 'authenticated')::text,
    true
  );
  if (select auth.jwt() ->> 'sub') is distinct from p_user_id then
    raise exception using errcode = '42501', message = pg_catalog.format('%s: could not act as the user', p_function);
  end if;
  return coalesce(v_previous, '');
end;
$$;
revoke all on function public.set_usage_subject(text, text) from public, anon, authenticated, service_role;
grant execute on function public.set_usage_subject(text, text) to service_role;

create function public.get_usage_history(
  p_user_id text,
  p_range text,
  p_limit integer default 50,
  p_before_created_at timestamptz default null,
  p_before_id bigint default null,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_previous text := public.set_usage_subject('get_usage_history', p_user_id);
  v_result jsonb := public.get_my_usage_history(p_range, p_limit, p_before_created_at, p_before_id, p_now);
begin
  perform pg_catalog.set_config('request.jwt.claims', v_previous, true);
  return v_result;
end;
$$;
comment on function public.get_usage_history(text, text, integer, timestamptz, bigint, timestamptz) is
  'get_my_usage_history for p_user_id (server only).';
revoke all on function public.get_usage_history(text, text, integer, timestamptz, bigint, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.get_usage_history(text, text, integer, timestamptz, bigint, timestamptz) to service_role;

create function public.get_usage_daily(p_user_id text, p_days integer default 30, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_previous text := public.set_usage_subject('get_usage_daily', p_user_id);
  v_result jsonb := public.get_my_usage_daily(p_days, p_now);
begin
  perform pg_catalog.set_config('request.jwt.claims', v_previous, true);
  return v_result;
end;
$$;
comment on function public.get_usage_daily(text, integer, timestamptz) is 'get_my_usage_daily for p_user_id (server only).';
revoke all on function public.get_usage_daily(text, integer, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.get_usage_daily(text, integer, timestamptz) to service_role;

create function public.get_usage_by_model(p_user_id text, p_range text, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_previous text := public.set_usage_subject('get_usage_by_model', p_user_id);
  v_result jsonb := public.get_my_usage_by_model(p_range, p_now);
begin
  perform pg_catalog.set_config('request.jwt.claims', v_previous, true);
  return v_result;
end;
$$;
comment on function public.get_usage_by_model(text, text, timestamptz) is 'get_my_usage_by_model for p_user_id (server only).';
revoke all on function public.get_usage_by_model(text, text, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.get_usage_by_model(text, text, timestamptz) to service_role;
