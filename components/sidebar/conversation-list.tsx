"use client";

import { MessageSquareIcon, MoreHorizontalIcon, PencilIcon, Trash2Icon } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { lazy, Suspense, useState } from "react";
import { notify } from "@/lib/client/notify";
import { Button } from "@/components/ui/button";
import { DeferredMenu } from "@/components/ui/deferred-menu";
import { Skeleton } from "@/components/ui/skeleton";
import { useConversations } from "@/hooks/use-conversations";
import { cn } from "@/lib/client/cn";
import type { ConversationSummaryView } from "@/lib/client/conversations";
import { ApiError } from "@/lib/client/errors";
import { fetchJson } from "@/lib/client/fetch-json";

/** Rename and delete dialogs: loaded when first needed (Radix Dialog is not in the page's first load). */
const ConversationDialogs = lazy(() => import("@/components/sidebar/conversation-dialogs"));

/** The user's conversations, newest first, with rename and delete. */
export function ConversationList({ onNavigate }: { onNavigate?: () => void }) {
  const { items, error, isLoading, hasMore, isLoadingMore, loadMore, refresh } = useConversations();
  const pathname = usePathname();
  const router = useRouter();
  const [renaming, setRenaming] = useState<ConversationSummaryView | null>(null);
  const [deleting, setDeleting] = useState<ConversationSummaryView | null>(null);

  if (isLoading) {
    return (
      <div className="space-y-2 px-2" aria-busy="true" aria-label="Loading conversations">
        {[0, 1, 2].map((i) => (
          <Skeleton key={i} className="h-7 w-full" />
        ))}
      </div>
    );
  }
  if (error && !items.length) {
    return (
      <div className="px-2 text-sm text-muted-foreground">
        Conversations could not be loaded.{" "}
        <Button variant="link" size="sm" className="h-auto p-0" onClick={() => void refresh()}>
          Try again
        </Button>
      </div>
    );
  }
  if (!items.length) {
    return <p className="px-3 text-sm text-muted-foreground">No conversations yet. Your chats appear here.</p>;
  }

  async function remove(conversation: ConversationSummaryView) {
    try {
      await fetchJson(`/api/conversations/${conversation.id}`, { method: "DELETE" });
      setDeleting(null);
      await refresh();
      if (pathname === `/chat/${conversation.id}`) router.push("/chat");
      notify("success", "Conversation deleted", { description: "Its usage stays in your history." });
    } catch (caught) {
      notify("error", "Could not delete the conversation", { description: caught instanceof ApiError ? caught.message : undefined });
    }
  }

  return (
    <>
      <nav aria-label="Conversations" data-testid="conversation-list">
        <ul className="space-y-0.5">
          {items.map((conversation) => {
            const active = pathname === `/chat/${conversation.id}`;
            return (
              <li key={conversation.id} className={cn("group flex items-center rounded-md pr-1 hover:bg-accent", active && "bg-accent")}>
                <Link
                  href={`/chat/${conversation.id}`}
                  onClick={onNavigate}
                  aria-current={active ? "page" : undefined}
                  className="flex min-w-0 flex-1 items-center gap-2 rounded-md px-2 py-1.5 text-sm"
                >
                  <MessageSquareIcon className="size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
                  <span className="truncate">{conversation.title}</span>
                </Link>
                <DeferredMenu
                  align="end"
                  trigger={
                    <Button
                      variant="ghost"
                      size="icon-sm"
                      className="opacity-60 group-hover:opacity-100 focus-visible:opacity-100 data-[state=open]:opacity-100"
                      aria-label={`Actions for ${conversation.title}`}
                    >
                      <MoreHorizontalIcon />
                    </Button>
                  }
                  items={[
                    { label: "Rename", icon: <PencilIcon aria-hidden="true" />, onSelect: () => setRenaming(conversation) },
                    { label: "Delete", icon: <Trash2Icon aria-hidden="true" />, variant: "danger", onSelect: () => setDeleting(conversation) },
                  ]}
                />
              </li>
            );
          })}
        </ul>
        {hasMore ? (
          <Button variant="ghost" size="sm" className="mt-1 w-full" disabled={isLoadingMore} onClick={() => void loadMore()}>
            {isLoadingMore ? "Loading…" : "Show older conversations"}
          </Button>
        ) : null}
      </nav>

      {renaming || deleting ? (
        <Suspense fallback={null}>
          <ConversationDialogs
            renaming={renaming}
            deleting={deleting}
            onClose={() => {
              setRenaming(null);
              setDeleting(null);
            }}
            onRenamed={() => void refresh()}
            onDelete={(conversation) => void remove(conversation)}
          />
        </Suspense>
      ) : null}
    </>
  );
}
