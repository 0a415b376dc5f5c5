-- Tokens per message, whole again after a sweep: when the sweeper settled a silent hold at its last
-- checkpoint and the real settlement came later (..._create_late_settlements.sql), the request has
-- two ledger rows, '<request_id>' (swept) and '<request_id>+late' (what the sweeper missed). A
-- reopened conversation shows their sum, with the late row's outcome (the real one), so the
-- message's token line equals what the request was charged in all. Otherwise unchanged: one probe of
-- the ledger's unique request_id index per id, usage null until the request has a ledger row.
create or replace function public.get_conversation(p_user_id text, p_conversation_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_conversation public.conversations;
begin
  perform public.require_text('get_conversation', 'p_user_id', p_user_id);
  perform public.require_conversation_id('get_conversation', p_conversation_id);
  select c.* into v_conversation from public.conversations c where c.id = p_conversation_id and c.user_id = p_user_id;
  if not found then
    raise exception using errcode = 'P0002', message = 'get_conversation: conversation not found';
  end if;
  return public.build_conversation_summary(v_conversation) || pg_catalog.jsonb_build_object(
    'messages',
    coalesce((
      select pg_catalog.jsonb_agg(
        pg_catalog.jsonb_build_object(
          'id', m.id,
          'role', m.role,
          'content', m.content,
          'model', m.model,
          'request_id', m.request_id,
          'created_at', public.format_timestamp(m.created_at),
          'usage', case when u.rows > 0 then pg_catalog.jsonb_build_object(
            'input_tokens', u.input_tokens,
            'output_tokens', u.output_tokens,
            'total_tokens', u.total_tokens,
            'cost_usd', u.cost_usd,
            'outcome', u.outcome
          ) end
        )
        order by m.id
      )
      from public.messages m
      left join lateral (
        select pg_catalog.count(*) as rows,
               pg_catalog.sum(l.input_tokens) as input_tokens,
               pg_catalog.sum(l.output_tokens) as output_tokens,
               pg_catalog.sum(l.total_tokens) as total_tokens,
               pg_catalog.sum(l.cost_usd) as cost_usd,
               (pg_catalog.array_agg(l.outcome order by l.id desc))[1] as outcome
        from public.usage_ledger l
        where m.role = 'assistant' and l.user_id = m.user_id
          and l.request_id in (m.request_id, m.request_id || '+late')
      ) u on true
      where m.conversation_id = p_conversation_id
    ), '[]'::jsonb)
  );
end;
$$;
revoke all on function public.get_conversation(text, uuid) from public, anon, authenticated;
grant execute on function public.get_conversation(text, uuid) to service_role;
