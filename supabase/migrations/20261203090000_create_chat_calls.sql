-- Two database round trips per chat request: begin_chat and finish_chat.
--
-- A chat request used to make four metering and chat calls, each its own round trip and commit:
-- hit_rate_limit, (conversation_exists,) reserve_tokens, settle_tokens, save_chat_exchange. Now:
--
--   begin_chat   the per-user rate limit, the conversation's owner (when the chat continues one) and
--                the reserve, in one transaction. A refusal of either of the first two reserves
--                nothing: { ok: false, reason: 'rate_limited', rate_limit: {...} } or
--                { ok: false, reason: 'conversation_not_found' }. Otherwise exactly what
--                reserve_tokens answers.
--   finish_chat  settle_tokens, then save_chat_exchange, in one transaction: what settle_tokens
--                answers, plus exchange_saved. An exchange for a conversation that is another user's
--                (deleted and reused, or a fail-open chat that skipped the owner check) is not stored
--                and does not undo the charge: exchange_saved = false.
--
-- Both are idempotent by request id, as their parts are, so finish_chat is what the spool replays.
-- The rate limit's counter no longer commits asynchronously here (it shares the reserve's durable
-- commit, which costs nothing more); hit_rate_limit, for other callers, still does.
-- The functions the two compose keep working on their own (tests, scripts, other routes).

-- The counting part of hit_rate_limit, for callers inside a durable transaction (no set_config).
create function public.count_rate_limit_hit(p_key text, p_limit integer, p_window_seconds integer, p_now timestamptz default now())
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
    'resets_at', pg_catalog.to_char(v_resets_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  );
end;
$$;
revoke all on function public.count_rate_limit_hit(text, integer, integer, timestamptz) from public, anon, authenticated, service_role;

create or replace function public.hit_rate_limit(
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
begin
  -- A counted hit lost in a database crash costs nothing, so this transaction does not wait for
  -- its WAL flush. Call it in a transaction of its own (as RPC calls are), never with a metering write.
  perform pg_catalog.set_config('synchronous_commit', 'off', true);
  return public.count_rate_limit_hit(p_key, p_limit, p_window_seconds, p_now);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- begin_chat: rate limit, owner, reserve. One round trip before the model is called.
-- ---------------------------------------------------------------------------------------------
create function public.begin_chat(
  p_user_id text,
  p_request_id text,
  p_model text,
  p_min_tokens bigint,
  p_max_tokens bigint,
  p_prompt_tokens bigint,
  p_rate_limit integer,
  p_conversation_id uuid default null,
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
  v_rate jsonb;
begin
  if p_user_id is null or pg_catalog.btrim(p_user_id) = '' then
    raise exception using errcode = '22023', message = 'begin_chat: p_user_id must not be empty';
  end if;
  v_rate := public.count_rate_limit_hit('chat:' || p_user_id, p_rate_limit, 60, v_now);
  if not (v_rate ->> 'allowed')::boolean then
    return pg_catalog.jsonb_build_object('ok', false, 'reason', 'rate_limited', 'request_id', p_request_id, 'rate_limit', v_rate);
  end if;
  if p_conversation_id is not null and not exists (
    select 1 from public.conversations c where c.id = p_conversation_id and c.user_id = p_user_id
  ) then
    return pg_catalog.jsonb_build_object('ok', false, 'reason', 'conversation_not_found', 'request_id', p_request_id);
  end if;
  return public.reserve_tokens(
    p_user_id => p_user_id, p_request_id => p_request_id, p_model => p_model, p_min_tokens => p_min_tokens,
    p_max_tokens => p_max_tokens, p_now => v_now, p_prompt_tokens => p_prompt_tokens);
end;
$$;
comment on function public.begin_chat(text, text, text, bigint, bigint, bigint, integer, uuid, timestamptz) is
  'A chat request''s first round trip: counts it against the per-minute rate limit, checks the conversation''s owner, then reserve_tokens.';
revoke all on function public.begin_chat(text, text, text, bigint, bigint, bigint, integer, uuid, timestamptz) from public, anon, authenticated;
grant execute on function public.begin_chat(text, text, text, bigint, bigint, bigint, integer, uuid, timestamptz) to service_role;

-- ---------------------------------------------------------------------------------------------
-- finish_chat: settle, then store the exchange. One round trip after the reply.
-- ---------------------------------------------------------------------------------------------
create function public.finish_chat(
  p_request_id text,
  p_user_id text,
  p_model text,
  p_input_tokens bigint,
  p_output_tokens bigint,
  p_cost_usd numeric,
  p_latency_ms integer,
  p_outcome text,
  p_conversation_id uuid,
  p_title text,
  p_user_message text,
  p_assistant_message text,
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
  v_settled jsonb;
  v_owner text;
  v_saved boolean := false;
begin
  v_settled := public.settle_tokens(
    p_request_id => p_request_id, p_user_id => p_user_id, p_model => p_model, p_input_tokens => p_input_tokens,
    p_output_tokens => p_output_tokens, p_cost_usd => p_cost_usd, p_latency_ms => p_latency_ms, p_outcome => p_outcome,
    p_now => v_now);
  select c.user_id into v_owner from public.conversations c where c.id = p_conversation_id;
  if v_owner is null or v_owner = p_user_id then
    perform public.save_chat_exchange(p_user_id, p_conversation_id, p_title, p_model, p_user_message, p_assistant_message, p_request_id, v_now);
    v_saved := true;
  end if;
  return v_settled || pg_catalog.jsonb_build_object('exchange_saved', v_saved);
end;
$$;
comment on function public.finish_chat(text, text, text, bigint, bigint, numeric, integer, text, uuid, text, text, text, timestamptz) is
  'A chat request''s last round trip: settle_tokens, then save_chat_exchange (skipped, exchange_saved = false, for another user''s conversation). Idempotent by request id.';
revoke all on function public.finish_chat(text, text, text, bigint, bigint, numeric, integer, text, uuid, text, text, text, timestamptz) from public, anon, authenticated;
grant execute on function public.finish_chat(text, text, text, bigint, bigint, numeric, integer, text, uuid, text, text, text, timestamptz) to service_role;
