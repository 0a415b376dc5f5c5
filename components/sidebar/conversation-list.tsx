"use client";

import { MessageSquareIcon, MoreHorizontalIcon, PencilIcon, Trash2Icon } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Dialog, DialogClose, DialogContent, DialogDescription, DialogFooter, DialogTitle } from "@/components/ui/dialog";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { useConversations } from "@/hooks/use-conversations";
import { cn } from "@/lib/client/cn";
import type { ConversationSummaryView } from "@/lib/client/conversations";
import { ApiError } from "@/lib/client/errors";
import { fetchJson } from "@/lib/client/fetch-json";

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
      toast.success("Conversation deleted", { description: "Its usage stays in your history." });
    } catch (caught) {
      toast.error("Could not delete the conversation", { description: caught instanceof ApiError ? caught.message : undefined });
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
                <DropdownMenu>
                  <DropdownMenuTrigger asChild>
                    <Button
                      variant="ghost"
                      size="icon-sm"
                      className="opacity-60 group-hover:opacity-100 focus-visible:opacity-100 data-[state=open]:opacity-100"
                      aria-label={`Actions for ${conversation.title}`}
                    >
                      <MoreHorizontalIcon />
                    </Button>
                  </DropdownMenuTrigger>
                  <DropdownMenuContent align="end">
                    <DropdownMenuItem onSelect={() => setRenaming(conversation)}>
                      <PencilIcon aria-hidden="true" /> Rename
                    </DropdownMenuItem>
                    <DropdownMenuItem variant="danger" onSelect={() => setDeleting(conversation)}>
                      <Trash2Icon aria-hidden="true" /> Delete
                    </DropdownMenuItem>
                  </DropdownMenuContent>
                </DropdownMenu>
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

      <RenameDialog conversation={renaming} onClose={() => setRenaming(null)} onRenamed={() => void refresh()} />

      <Dialog open={deleting !== null} onOpenChange={(open) => !open && setDeleting(null)}>
        <DialogContent>
          <DialogTitle>Delete this conversation?</DialogTitle>
          <DialogDescription>
            “{deleting?.title}” and its messages will be deleted. The tokens it used stay in your usage history.
          </DialogDescription>
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="outline">Cancel</Button>
            </DialogClose>
            <Button variant="danger" onClick={() => deleting && void remove(deleting)}>
              Delete
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </>
  );
}

function RenameDialog({ conversation, onClose, onRenamed }: { conversation: ConversationSummaryView | null; onClose: () => void; onRenamed: () => void }) {
  const [title, setTitle] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [forId, setForId] = useState<string | null>(null);
  if (conversation && forId !== conversation.id) {
    setForId(conversation.id);
    setTitle(conversation.title);
    setError(null);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!conversation) return;
    setPending(true);
    try {
      await fetchJson(`/api/conversations/${conversation.id}`, { method: "PATCH", json: { title } });
      onRenamed();
      onClose();
      setForId(null);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "Could not rename the conversation.");
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog open={conversation !== null} onOpenChange={(open) => !open && (onClose(), setForId(null))}>
      <DialogContent>
        <DialogTitle>Rename conversation</DialogTitle>
        <form onSubmit={submit} className="grid gap-3">
          <Label htmlFor="conversation-title">Title</Label>
          <Input
            id="conversation-title"
            value={title}
            maxLength={200}
            autoFocus
            onChange={(event) => setTitle(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "rename-error" : undefined}
          />
          {error ? (
            <p id="rename-error" role="alert" className="text-sm text-danger-foreground">
              {error}
            </p>
          ) : null}
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="outline">Cancel</Button>
            </DialogClose>
            <Button type="submit" disabled={pending || title.trim() === ""}>
              {pending ? "Saving…" : "Save"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
