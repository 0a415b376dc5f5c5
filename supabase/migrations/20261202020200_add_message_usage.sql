-- Tokens per message for a reopened conversation: get_conversation gives each assistant message
--   usage: { input_tokens, output_tokens, total_tokens, cost_usd, outcome } | null
-- read from public.usage_ledger by the message's request_id (and user), not copied onto the message.
--
-- Why a join and not columns on messages: the ledger is the one record of what a request was
-- charged (append-only, one row per request id), so the figures shown are exactly what was billed,
-- never a second copy that could disagree; save_chat_exchange, its signature and its idempotency are
-- untouched; and a message stored before its settle was confirmed (the settle retries after the
-- exchange is stored, or is finished by hand) shows its usage as soon as the ledger has it. Deleting a
-- conversation deletes its messages only: nothing references or changes the ledger. The lookup is one
-- probe of the ledger's unique request_id index per assistant message.
--
-- usage is null for user and system messages, and for an assistant message whose request has no
-- ledger row (not settled yet).

-- get_conversation: summary || { messages: [{ id, role, content, model, request_id, created_at, usage }] }
-- in order. P0002 when missing or not the user's.
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
          'usage', case when u.request_id is not null then pg_catalog.jsonb_build_object(
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
      left join public.usage_ledger u
        on m.role = 'assistant' and u.request_id = m.request_id and u.user_id = m.user_id
      where m.conversation_id = p_conversation_id
    ), '[]'::jsonb)
  );
end;
$$;
revoke all on function public.get_conversation(text, uuid) from public, anon, authenticated;
grant execute on function public.get_conversation(text, uuid) to service_role;
