-- Conversations and their messages. The server writes them only through the SECURITY DEFINER
-- functions below, each scoped to p_user_id (the server takes it from the verified session, never
-- from a request body). Signed-in users may SELECT their own rows under RLS; nobody else sees any.
--
-- Conventions (as in ..._create_metering_functions.sql):
--   * RPC functions are SECURITY DEFINER with search_path = '', every name qualified, jsonb results.
--   * Bad input raises 22023 with a message "<function>: <what>". A conversation that does not exist
--     or belongs to another user raises P0002 (no_data_found) with the same message either way, so a
--     caller learns nothing about other users' ids (the app answers 404).
--   * Timestamps are stored truncated to milliseconds, so the ISO strings in results
--     ("2026-11-25T00:00:00.000Z") are exact and can be passed back as pagination cursors.
--   * Time-dependent writes take p_now timestamptz default now() as their last parameter (tests only).
--   * EXECUTE is revoked from public, anon and authenticated right after each function is created.

-- ---------------------------------------------------------------------------------------------
-- Tables (RLS enabled as each is created: Supabase's default grants give anon and authenticated
-- ALL on every new public table)
-- ---------------------------------------------------------------------------------------------
create table public.conversations (
  id uuid primary key default gen_random_uuid(),
  user_id text not null check (pg_catalog.length(user_id) > 0),
  title text not null check (pg_catalog.char_length(title) between 1 and 200 and pg_catalog.btrim(title) <> ''),
  model text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- The target of messages' (conversation_id, user_id) foreign key: a message always belongs to
  -- its conversation's owner.
  unique (id, user_id)
);
alter table public.conversations enable row level security;
create index conversations_user_id_updated_at_id_idx on public.conversations (user_id, updated_at desc, id desc);
comment on table public.conversations is 'Chat conversations, one owner each. Written only by save_chat_exchange, rename_conversation and delete_conversation.';
comment on column public.conversations.updated_at is 'Time of the last saved exchange (renaming does not change it): the list is ordered by it, newest first.';
comment on column public.conversations.model is 'The model of the last saved exchange.';

create table public.messages (
  id bigint generated always as identity primary key,
  conversation_id uuid not null,
  user_id text not null,
  role text not null check (role in ('user', 'assistant', 'system')),
  content text not null,
  model text,
  request_id text check (pg_catalog.length(request_id) > 0),
  created_at timestamptz not null default now(),
  foreign key (conversation_id, user_id) references public.conversations (id, user_id) on delete cascade
);
alter table public.messages enable row level security;
create index messages_conversation_id_id_idx on public.messages (conversation_id, id);
create index messages_user_id_idx on public.messages (user_id);
-- One user message and at most one assistant message per chat request: the idempotency key.
create unique index messages_user_id_request_id_role_key on public.messages (user_id, request_id, role) where request_id is not null;
comment on table public.messages is 'Messages of a conversation, in id order. request_id is the chat request that produced the message.';

-- ---------------------------------------------------------------------------------------------
-- Privileges and policies
--   * anon: nothing at all.
--   * authenticated: SELECT of their own rows (RLS, subject read once per statement as Supabase does
--     with Clerk). No write privilege and no write policy.
--   * service_role (the server, bypasses RLS): SELECT and DELETE; INSERT and UPDATE only through
--     the functions, which keep titles valid, messages with their conversation's owner and saves
--     idempotent.
-- ---------------------------------------------------------------------------------------------
revoke all on table public.conversations, public.messages from anon, authenticated;
grant select on table public.conversations, public.messages to authenticated;
revoke insert, update, truncate on table public.conversations, public.messages from service_role;
revoke all on sequence public.messages_id_seq from anon, authenticated;

create policy "users read their own conversations"
  on public.conversations for select to authenticated
  using (user_id = (select auth.jwt() ->> 'sub'));

create policy "users read their own messages"
  on public.messages for select to authenticated
  using (user_id = (select auth.jwt() ->> 'sub'));

-- ---------------------------------------------------------------------------------------------
-- Helpers (SECURITY INVOKER, granted to nobody: only the owner and so the RPCs can call them)
-- ---------------------------------------------------------------------------------------------

-- { id, title, model, created_at, updated_at, message_count }
create function public.build_conversation_summary(p_conversation public.conversations)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', p_conversation.id,
    'title', p_conversation.title,
    'model', p_conversation.model,
    'created_at', public.format_timestamp(p_conversation.created_at),
    'updated_at', public.format_timestamp(p_conversation.updated_at),
    'message_count', (select pg_catalog.count(*) from public.messages m where m.conversation_id = p_conversation.id)
  )
$$;
revoke all on function public.build_conversation_summary(public.conversations) from public, anon, authenticated, service_role;

-- A title as stored: trimmed, 1..200 characters. Raises 22023 naming the function otherwise.
create function public.require_title(p_function text, p_title text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_title text := pg_catalog.btrim(p_title);
begin
  if v_title is null or v_title = '' then
    raise exception using errcode = '22023', message = pg_catalog.format('%s: p_title must be a non-empty string', p_function);
  end if;
  if pg_catalog.char_length(v_title) > 200 then
    raise exception using errcode = '22023',
      message = pg_catalog.format('%s: p_title must be at most 200 characters (got %s)', p_function, pg_catalog.char_length(v_title));
  end if;
  return v_title;
end;
$$;
revoke all on function public.require_title(text, text) from public, anon, authenticated, service_role;

create function public.require_conversation_id(p_function text, p_conversation_id uuid)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_conversation_id is null then
    raise exception using errcode = '22023', message = pg_catalog.format('%s: p_conversation_id must not be null', p_function);
  end if;
end;
$$;
revoke all on function public.require_conversation_id(text, uuid) from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- save_chat_exchange: the chat route's one write after a model call.
-- ---------------------------------------------------------------------------------------------
-- Creates the conversation (with that id, for that user) if it does not exist, appends the user
-- message and, when not empty, the assistant message, and moves the conversation to the top of the
-- list (updated_at, model). Idempotent on p_request_id: a retry appends nothing and reports the
-- conversation the request was saved in. An id that belongs to another user raises P0002 and
-- changes nothing.
--
-- p_title names a NEW conversation only (an existing one keeps its title): trimmed and cut to 200
-- characters, 'New conversation' when blank, since the server derives it from the first message.
--
-- { conversation_id, title, created, appended }
create function public.save_chat_exchange(
  p_user_id text,
  p_conversation_id uuid,
  p_title text,
  p_model text,
  p_user_message text,
  p_assistant_message text,
  p_request_id text,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.date_trunc('milliseconds', coalesce(p_now, pg_catalog.now()));
  v_title text := pg_catalog.left(pg_catalog.btrim(coalesce(p_title, '')), 200);
  v_conversation public.conversations;
  v_saved_in uuid;
  v_created boolean := false;
begin
  perform public.require_text('save_chat_exchange', 'p_user_id', p_user_id);
  perform public.require_conversation_id('save_chat_exchange', p_conversation_id);
  perform public.require_text('save_chat_exchange', 'p_request_id', p_request_id);
  if p_user_message is null then
    raise exception using errcode = '22023', message = 'save_chat_exchange: p_user_message must not be null';
  end if;
  if v_title = '' then
    v_title := 'New conversation';
  end if;

  -- Serialise saves of one request (a retry racing the original), then check whether it is saved.
  perform pg_catalog.pg_advisory_xact_lock(
    pg_catalog.hashtextextended('save_chat_exchange:' || p_user_id || ':' || p_request_id, 0)
  );
  select m.conversation_id into v_saved_in
  from public.messages m
  where m.user_id = p_user_id and m.request_id = p_request_id
  limit 1;
  if found then
    select c.* into strict v_conversation from public.conversations c where c.id = v_saved_in;
    return pg_catalog.jsonb_build_object(
      'conversation_id', v_conversation.id, 'title', v_conversation.title, 'created', false, 'appended', false
    );
  end if;

  -- No conflict target: both unique indexes (id) and (id, user_id) must be arbiters, or concurrent
  -- first saves can deadlock (one waits in the arbiter index, the other in the non-arbiter one).
  insert into public.conversations (id, user_id, title, model, created_at, updated_at)
  values (p_conversation_id, p_user_id, v_title, p_model, v_now, v_now)
  on conflict do nothing
  returning * into v_conversation;
  v_created := v_conversation.id is not null;

  if not v_created then
    select c.* into v_conversation from public.conversations c where c.id = p_conversation_id for update;
    if not found or v_conversation.user_id <> p_user_id then
      raise exception using errcode = 'P0002', message = 'save_chat_exchange: conversation not found';
    end if;
  end if;

  insert into public.messages (conversation_id, user_id, role, content, model, request_id, created_at)
  values (p_conversation_id, p_user_id, 'user', p_user_message, null, p_request_id, v_now);
  if pg_catalog.length(coalesce(p_assistant_message, '')) > 0 then
    insert into public.messages (conversation_id, user_id, role, content, model, request_id, created_at)
    values (p_conversation_id, p_user_id, 'assistant', p_assistant_message, p_model, p_request_id, v_now);
  end if;

  if not v_created then
    update public.conversations c
    set updated_at = v_now, model = coalesce(p_model, c.model)
    where c.id = p_conversation_id;
  end if;

  return pg_catalog.jsonb_build_object(
    'conversation_id', v_conversation.id, 'title', v_conversation.title, 'created', v_created, 'appended', true
  );
end;
$$;
comment on function public.save_chat_exchange(text, uuid, text, text, text, text, text, timestamptz) is
  'Creates the conversation if missing and appends one exchange; idempotent on p_request_id. P0002 if the id is another user''s.';
revoke all on function public.save_chat_exchange(text, uuid, text, text, text, text, text, timestamptz) from public, anon, authenticated;
grant execute on function public.save_chat_exchange(text, uuid, text, text, text, text, text, timestamptz) to service_role;

-- ---------------------------------------------------------------------------------------------
-- conversation_exists: { exists }. False for another user's id, exactly as for an unknown one.
-- ---------------------------------------------------------------------------------------------
create function public.conversation_exists(p_user_id text, p_conversation_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform public.require_text('conversation_exists', 'p_user_id', p_user_id);
  perform public.require_conversation_id('conversation_exists', p_conversation_id);
  return pg_catalog.jsonb_build_object('exists', exists (
    select 1 from public.conversations c where c.id = p_conversation_id and c.user_id = p_user_id
  ));
end;
$$;
revoke all on function public.conversation_exists(text, uuid) from public, anon, authenticated;
grant execute on function public.conversation_exists(text, uuid) to service_role;

-- ---------------------------------------------------------------------------------------------
-- list_conversations: newest first (updated_at desc, id desc), cursor pagination on updated_at.
-- ---------------------------------------------------------------------------------------------
-- { items: [summary...], next_before }. Pass next_before back as p_before for the next page; it is
-- null on the last page. A page never splits conversations that share its last updated_at (it
-- takes them all, so may exceed p_limit then), so paging skips and repeats nothing.
create function public.list_conversations(
  p_user_id text,
  p_limit integer default 50,
  p_before timestamptz default null
)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_limit integer := coalesce(p_limit, 50);
  v_boundary timestamptz;
  v_items jsonb;
  v_more boolean;
begin
  perform public.require_text('list_conversations', 'p_user_id', p_user_id);
  if v_limit < 1 or v_limit > 100 then
    raise exception using errcode = '22023',
      message = pg_catalog.format('list_conversations: p_limit must be between 1 and 100 (got %s)', v_limit);
  end if;

  -- updated_at of the last conversation on this page.
  select pg_catalog.min(p.updated_at) into v_boundary
  from (
    select c.updated_at
    from public.conversations c
    where c.user_id = p_user_id and (p_before is null or c.updated_at < p_before)
    order by c.updated_at desc, c.id desc
    limit v_limit
  ) p;

  if v_boundary is null then
    return pg_catalog.jsonb_build_object('items', '[]'::jsonb, 'next_before', null);
  end if;

  select coalesce(pg_catalog.jsonb_agg(public.build_conversation_summary(c) order by c.updated_at desc, c.id desc), '[]'::jsonb)
  into v_items
  from public.conversations c
  where c.user_id = p_user_id and c.updated_at >= v_boundary and (p_before is null or c.updated_at < p_before);

  v_more := exists (select 1 from public.conversations c where c.user_id = p_user_id and c.updated_at < v_boundary);

  return pg_catalog.jsonb_build_object(
    'items', v_items,
    'next_before', case when v_more then public.format_timestamp(v_boundary) end
  );
end;
$$;
revoke all on function public.list_conversations(text, integer, timestamptz) from public, anon, authenticated;
grant execute on function public.list_conversations(text, integer, timestamptz) to service_role;

-- ---------------------------------------------------------------------------------------------
-- get_conversation: summary || { messages: [{ id, role, content, model, request_id, created_at }] }
-- in order. P0002 when missing or not the user's.
-- ---------------------------------------------------------------------------------------------
create function public.get_conversation(p_user_id text, p_conversation_id uuid)
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
          'created_at', public.format_timestamp(m.created_at)
        )
        order by m.id
      )
      from public.messages m
      where m.conversation_id = p_conversation_id
    ), '[]'::jsonb)
  );
end;
$$;
revoke all on function public.get_conversation(text, uuid) from public, anon, authenticated;
grant execute on function public.get_conversation(text, uuid) to service_role;

-- ---------------------------------------------------------------------------------------------
-- rename_conversation: the summary. P0002 when missing or not the user's; 22023 for a blank or
-- longer than 200 characters title (trimmed first). updated_at is left alone: renaming does not
-- move a conversation in the list.
-- ---------------------------------------------------------------------------------------------
create function public.rename_conversation(p_user_id text, p_conversation_id uuid, p_title text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_title text;
  v_conversation public.conversations;
begin
  perform public.require_text('rename_conversation', 'p_user_id', p_user_id);
  perform public.require_conversation_id('rename_conversation', p_conversation_id);
  v_title := public.require_title('rename_conversation', p_title);
  update public.conversations c set title = v_title
  where c.id = p_conversation_id and c.user_id = p_user_id
  returning c.* into v_conversation;
  if not found then
    raise exception using errcode = 'P0002', message = 'rename_conversation: conversation not found';
  end if;
  return public.build_conversation_summary(v_conversation);
end;
$$;
revoke all on function public.rename_conversation(text, uuid, text) from public, anon, authenticated;
grant execute on function public.rename_conversation(text, uuid, text) to service_role;

-- ---------------------------------------------------------------------------------------------
-- delete_conversation: { deleted: true }, its messages with it (on delete cascade). P0002 when
-- missing or not the user's, and nothing is deleted.
-- ---------------------------------------------------------------------------------------------
create function public.delete_conversation(p_user_id text, p_conversation_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform public.require_text('delete_conversation', 'p_user_id', p_user_id);
  perform public.require_conversation_id('delete_conversation', p_conversation_id);
  delete from public.conversations c where c.id = p_conversation_id and c.user_id = p_user_id;
  if not found then
    raise exception using errcode = 'P0002', message = 'delete_conversation: conversation not found';
  end if;
  return pg_catalog.jsonb_build_object('deleted', true);
end;
$$;
revoke all on function public.delete_conversation(text, uuid) from public, anon, authenticated;
grant execute on function public.delete_conversation(text, uuid) to service_role;
