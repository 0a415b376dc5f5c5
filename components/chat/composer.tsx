"use client";

import { ArrowUpIcon, SquareIcon } from "lucide-react";
import { useRef, useState, type KeyboardEvent } from "react";
import { ModelPicker } from "@/components/chat/model-picker";
import { Button } from "@/components/ui/button";
import { Textarea } from "@/components/ui/textarea";
import { checkBudget, estimatePromptTokens, estimateTextTokens } from "@/lib/client/estimate-tokens";
import { formatNumber, formatTokens } from "@/lib/client/format";
import type { ModelView } from "@/lib/client/models";

type Props = {
  history: readonly { role: string; content: string }[];
  remaining: number | null;
  maxOutputTokens: number | null;
  models: ModelView[];
  model: string | null;
  onModelChange: (id: string) => void;
  streaming: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
};

/**
 * The message box. Enter sends, Shift+Enter adds a line; while a reply streams the send button is a
 * stop button. It estimates the draft's tokens (the conversation so far is sent with it) and warns
 * when the draft plus a full reply will not fit in what remains; the server has the last word.
 */
export function Composer({ history, remaining, maxOutputTokens, models, model, onModelChange, streaming, onSend, onStop }: Props) {
  const [draft, setDraft] = useState("");
  const textarea = useRef<HTMLTextAreaElement>(null);
  const trimmed = draft.trim();
  const prompt = estimatePromptTokens([...history, { role: "user", content: draft }]);
  const budget = remaining !== null && maxOutputTokens !== null && trimmed ? checkBudget(prompt, maxOutputTokens, remaining) : null;
  const canSend = Boolean(trimmed && model && !streaming && budget?.kind !== "too_big");

  function send() {
    if (!canSend) return;
    onSend(trimmed);
    setDraft("");
    requestAnimationFrame(() => textarea.current?.focus());
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  }

  return (
    <form
      className="rounded-2xl border bg-card p-2 shadow-xs focus-within:border-ring"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <label htmlFor="composer" className="sr-only">
        Message
      </label>
      <Textarea
        id="composer"
        ref={textarea}
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={onKeyDown}
        placeholder="Ask anything…"
        rows={2}
        maxLength={100_000}
        className="max-h-60 min-h-[3rem] border-0 bg-transparent px-2 shadow-none focus-visible:outline-none [field-sizing:content]"
        aria-describedby="composer-estimate"
        data-testid="composer"
      />
      <div className="flex flex-wrap items-center justify-between gap-2 px-1 pt-1">
        <ModelPicker models={models} value={model} onChange={onModelChange} disabled={streaming} />
        <div className="flex items-center gap-2">
          <p id="composer-estimate" className="text-xs tabular-nums text-muted-foreground" data-testid="composer-estimate">
            {trimmed ? `≈ ${formatTokens(estimateTextTokens(draft))} (≈ ${formatNumber(prompt)} with the conversation)` : "Enter to send · Shift+Enter for a new line"}
          </p>
          {streaming ? (
            <Button
              type="button"
              size="icon"
              variant="secondary"
              onClick={() => {
                onStop();
                textarea.current?.focus(); // the stop button goes away: keep the keyboard in the composer
              }}
              aria-label="Stop the reply"
              data-testid="stop"
            >
              <SquareIcon className="fill-current" />
            </Button>
          ) : (
            <Button type="submit" size="icon" disabled={!canSend} aria-label="Send" data-testid="send">
              <ArrowUpIcon />
            </Button>
          )}
        </div>
      </div>
      {budget && budget.kind !== "fits" ? (
        <p className="px-2 pb-1 pt-1 text-xs text-warning-foreground" role="status" data-testid="budget-warning">
          {budget.kind === "too_big"
            ? `This message needs about ${formatTokens(budget.promptTokens)}, more than the ${formatNumber(budget.remaining)} you have left. Start a new chat or shorten it.`
            : `Only ${formatTokens(budget.remaining)} left: the reply may be cut short.`}
        </p>
      ) : null}
    </form>
  );
}
