"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogClose, DialogContent, DialogDescription, DialogFooter, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import type { ConversationSummaryView } from "@/lib/client/conversations";
import { ApiError } from "@/lib/client/errors";
import { fetchJson } from "@/lib/client/fetch-json";

type Props = {
  renaming: ConversationSummaryView | null;
  deleting: ConversationSummaryView | null;
  onClose: () => void;
  onRenamed: () => void;
  onDelete: (conversation: ConversationSummaryView) => void;
};

/** The conversation list's dialogs, loaded with the first rename or delete. */
export default function ConversationDialogs({ renaming, deleting, onClose, onRenamed, onDelete }: Props) {
  return (
    <>
      <RenameDialog conversation={renaming} onClose={onClose} onRenamed={onRenamed} />
      <Dialog open={deleting !== null} onOpenChange={(open) => !open && onClose()}>
        <DialogContent>
          <DialogTitle>Delete this conversation?</DialogTitle>
          <DialogDescription>
            “{deleting?.title}” and its messages will be deleted. The tokens it used stay in your usage history.
          </DialogDescription>
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="outline">Cancel</Button>
            </DialogClose>
            <Button variant="danger" onClick={() => deleting && onDelete(deleting)}>
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
