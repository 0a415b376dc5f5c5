import { withUser } from "@/lib/api/handler";
import { readJson } from "@/lib/api/read-json";
import { chatRequestSchema } from "@/lib/chat/chat-request";
import { getChatSettings } from "@/lib/chat/chat-settings";
import { runChat } from "@/lib/chat/run-chat";

export const dynamic = "force-dynamic";

/** One metered chat turn: streams NDJSON events (start, delta…, done) to the browser. */
export const POST = withUser(async ({ request, user, stores }) => {
  const chat = chatRequestSchema.parse(await readJson(request));
  return runChat({ stores, ...getChatSettings() }, user, chat, request.signal);
});
