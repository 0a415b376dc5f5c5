-- Holds of a server that died: checkpoints and a sweeper.
--
-- While a reply streams, its server records on the hold how many output tokens have arrived so far
-- (checkpoint_hold, every few seconds, also when nothing arrived: it is the hold's heartbeat). If the
-- server dies (SIGKILL, a crash, a lost machine), its holds stop getting checkpoints. The sweeper
-- (sweep_stale_holds, run every few seconds by every server instance) settles each hold silent for
-- longer than p_silence_seconds as 'aborted', charging the prompt part of the hold plus the last
-- checkpoint's output tokens, through settle_tokens itself; a hold that never got a checkpoint (its
-- server died before the reply's first seconds, or before the model was called) is released and
-- charges nothing. So:
--   * the user is charged for what was streamed to them up to the last checkpoint (what arrived
--     after it, a few seconds' worth, is lost: the bound is stated in the README);
--   * the hold stops blocking the user's allowance after the silence, not after its full lifetime;
--   * it is idempotent by request id, like every settle: two sweepers, or a sweeper and a late
--     settle from the live server, charge once (the first settlement wins).
--
-- A hold without checkpoints counts from its creation. The silence must stay well above the
-- checkpoint interval (the app checkpoints every 5 s; the sweeper's default silence is 30 s).

alter table public.reservations
  add column output_tokens bigint not null default 0 check (output_tokens >= 0),
  add column checkpoint_at timestamptz;
comment on column public.reservations.output_tokens is 'Output tokens streamed so far, as last checkpointed by the serving instance.';
comment on column public.reservations.checkpoint_at is 'The last checkpoint (the hold''s heartbeat); null until the first one.';

-- Finds stale holds fast: the sweeper's scan.
create index reservations_heartbeat_idx on public.reservations ((coalesce(checkpoint_at, created_at)));

-- Records progress on a live hold; false when the hold is gone (settled, released or swept).
create function public.checkpoint_hold(p_request_id text, p_output_tokens bigint, p_now timestamptz default now())
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform public.require_text('checkpoint_hold', 'p_request_id', p_request_id);
  perform public.require_tokens('checkpoint_hold', 'p_output_tokens', p_output_tokens, 0);
  update public.reservations r
  set output_tokens = greatest(r.output_tokens, p_output_tokens),
      checkpoint_at = coalesce(p_now, pg_catalog.now())
  where r.request_id = p_request_id;
  return found;
end;
$$;
revoke all on function public.checkpoint_hold(text, bigint, timestamptz) from public, anon, authenticated;
grant execute on function public.checkpoint_hold(text, bigint, timestamptz) to service_role;

-- Settles (as 'aborted') at most p_limit holds silent for more than p_silence_seconds, oldest first.
-- Returns { swept, released, tokens } (tokens: what the settlements charged).
create function public.sweep_stale_holds(p_now timestamptz default now(), p_silence_seconds integer default 30, p_limit integer default 100)
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
  -- No lock here: settle_tokens takes the account's lock and is idempotent by request id.
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
    v_result := public.settle_tokens(v_hold.request_id, v_hold.user_id, v_hold.model, v_hold.prompt_tokens, v_hold.output_tokens,
      null, null, 'aborted', v_now);
    if not coalesce((v_result ->> 'already_settled')::boolean, false) then
      v_swept := v_swept + 1;
      v_tokens := v_tokens + (v_result ->> 'total_tokens')::bigint;
    end if;
  end loop;
  return pg_catalog.jsonb_build_object('swept', v_swept, 'released', v_released, 'tokens', v_tokens);
end;
$$;
revoke all on function public.sweep_stale_holds(timestamptz, integer, integer) from public, anon, authenticated;
grant execute on function public.sweep_stale_holds(timestamptz, integer, integer) to service_role;
