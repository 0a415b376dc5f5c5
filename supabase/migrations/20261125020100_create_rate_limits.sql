-- Per-key rate limits in fixed windows, in Postgres so that every server instance shares the count.
-- One row per key per window; hit_rate_limit counts a hit and decides in one statement, atomically.
-- Only the server calls it (keys such as 'chat:<user id>'); nobody reads the table through the API.

create table public.rate_limit_windows (
  key text not null check (pg_catalog.length(key) between 1 and 200),
  window_start timestamptz not null,
  hits integer not null check (hits >= 0),
  primary key (key, window_start)
);
alter table public.rate_limit_windows enable row level security;
comment on table public.rate_limit_windows is 'Hits per key per fixed window (aligned to the Unix epoch). Written only by hit_rate_limit, which also drops a key''s windows older than an hour.';

-- RLS on and no policy: nothing for anon or authenticated, and no privilege either.
revoke all on table public.rate_limit_windows from anon, authenticated;

-- { allowed, hits, limit, window_seconds, retry_after_seconds, resets_at }
--   hits: this key's hits in the current window, this one included (refused hits count too).
--   allowed: hits <= p_limit.
--   retry_after_seconds: whole seconds until the window ends when refused (>= 1), else 0.
--   resets_at: end of the current window, ISO-8601 UTC.
-- Windows are [k * p_window_seconds, (k + 1) * p_window_seconds) seconds after the Unix epoch.
-- p_now is for tests; the server never passes it.
create function public.hit_rate_limit(
  p_key text,
  p_limit integer,
  p_window_seconds integer,
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
  v_start timestamptz;
  v_resets_at timestamptz;
  v_hits integer;
  v_allowed boolean;
begin
  -- A counted hit lost in a database crash costs nothing, so this transaction does not wait for
  -- its WAL flush (saves a disk sync on every chat request). The setting lasts to the end of the
  -- transaction: call this function in a transaction of its own (as RPC calls are), never together
  -- with a metering write. Metering stays fully durable.
  perform pg_catalog.set_config('synchronous_commit', 'off', true);
  perform public.require_text('hit_rate_limit', 'p_key', p_key);
  if pg_catalog.length(p_key) > 200 then
    raise exception using errcode = '22023', message = 'hit_rate_limit: p_key must be at most 200 characters';
  end if;
  if p_limit is null or p_limit < 1 then
    raise exception using errcode = '22023',
      message = pg_catalog.format('hit_rate_limit: p_limit must be an integer >= 1 (got %s)', coalesce(p_limit::text, 'null'));
  end if;
  if p_window_seconds is null or p_window_seconds < 1 or p_window_seconds > 86400 then
    raise exception using errcode = '22023',
      message = pg_catalog.format('hit_rate_limit: p_window_seconds must be between 1 and 86400 (got %s)', coalesce(p_window_seconds::text, 'null'));
  end if;

  v_start := pg_catalog.to_timestamp(
    (pg_catalog.floor(extract(epoch from v_now) / p_window_seconds) * p_window_seconds)::double precision
  );
  v_resets_at := v_start + pg_catalog.make_interval(secs => p_window_seconds);

  -- One statement: concurrent hits on one key queue on the row and each sees the count before it.
  insert into public.rate_limit_windows as w (key, window_start, hits)
  values (p_key, v_start, 1)
  on conflict (key, window_start) do update set hits = w.hits + 1
  returning w.hits into v_hits;
  v_allowed := v_hits <= p_limit;

  delete from public.rate_limit_windows w
  where w.key = p_key and w.window_start < v_start - interval '1 hour';

  return pg_catalog.jsonb_build_object(
    'allowed', v_allowed,
    'hits', v_hits,
    'limit', p_limit,
    'window_seconds', p_window_seconds,
    'retry_after_seconds', case when v_allowed then 0
      else greatest(1, pg_catalog.ceil(extract(epoch from v_resets_at - v_now)))::integer end,
    'resets_at', public.format_timestamp(v_resets_at)
  );
end;
$$;
comment on function public.hit_rate_limit(text, integer, integer, timestamptz) is
  'Counts one hit for p_key in the current fixed window of p_window_seconds; allowed while hits <= p_limit. Atomic across connections.';
revoke all on function public.hit_rate_limit(text, integer, integer, timestamptz) from public, anon, authenticated;
grant execute on function public.hit_rate_limit(text, integer, integer, timestamptz) to service_role;
