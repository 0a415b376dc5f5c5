import type { ApiError } from "@/lib/client/errors";
import { formatDuration, formatLocalTime } from "@/lib/client/format";

export type ErrorPresentation = {
  title: string;
  description: string;
  /** Where the UI shows it: a toast, inline beside the turn, or back to sign-in. */
  display: "toast" | "inline" | "sign-in";
  /** Whether the same request can simply be tried again. */
  retryable: boolean;
  retryAfterSeconds?: number;
};

/** One clear message per error code: the same words wherever the error surfaces. */
export function describeError(error: ApiError, now: Date = new Date()): ErrorPresentation {
  const details = error.details ?? {};
  const retryAfterSeconds = typeof details.retryAfterSeconds === "number" ? details.retryAfterSeconds : undefined;
  switch (error.code) {
    case "rate_limited": {
      const wait = retryAfterSeconds ?? 5;
      return {
        title: "Too many requests",
        description: `${error.message.startsWith("The model provider") ? "The model provider is busy." : "You are sending messages faster than your plan allows."} Try again in ${wait} s.`,
        display: "toast",
        retryable: true,
        retryAfterSeconds: wait,
      };
    }
    case "quota_held":
      return {
        title: "Tokens held by your other chats",
        description: "Your other chats in progress hold the remaining tokens; try again in a moment.",
        display: "toast",
        retryable: true,
        retryAfterSeconds: retryAfterSeconds ?? 5,
      };
    case "quota_exceeded": {
      const resetsAt = typeof details.resetsAt === "string" ? new Date(details.resetsAt) : null;
      const when = resetsAt ? ` Your allowance resets ${formatDuration(resetsAt, now)} (${formatLocalTime(resetsAt, now)}).` : "";
      return { title: "Not enough tokens left", description: `${error.message.split(". Your allowance")[0]}.${when}`, display: "inline", retryable: false };
    }
    case "model_not_allowed":
      return { title: "Model not in your plan", description: error.message, display: "toast", retryable: false };
    case "upstream_unavailable":
      return { title: "The model did not answer", description: error.message, display: "inline", retryable: true };
    case "unavailable":
      return { title: "Service unavailable", description: "Tokenmeter cannot reach its database right now. Try again shortly.", display: "toast", retryable: true };
    case "unauthorized":
      return { title: "Signed out", description: "Your session has ended. Sign in again to continue.", display: "sign-in", retryable: false };
    case "forbidden":
      return { title: "Not allowed", description: error.message, display: "inline", retryable: false };
    case "not_found":
      return { title: "Not found", description: error.message, display: "toast", retryable: false };
    case "conflict":
      return { title: "Already applied", description: error.message, display: "inline", retryable: false };
    case "bad_request":
      return { title: "Request not accepted", description: error.message, display: "inline", retryable: false };
    case "internal":
    default:
      return { title: "Something went wrong", description: "Something went wrong on our side. Try again.", display: "toast", retryable: true };
  }
}
