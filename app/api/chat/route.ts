import { requireUser } from "@/lib/auth/get-user";
import { chatRequestSchema } from "@/lib/chat/chat-request";
import { getChatDeps } from "@/lib/chat/get-chat-deps";
import { runChat } from "@/lib/chat/run-chat";
import { errorResponse, readJson } from "@/lib/http";

export const dynamic = "force-dynamic";

/** One metered chat turn: streams NDJSON events (start, delta…, done) to the browser. */
export async function POST(request: Request) {
  try {
    const user = await requireUser(request);
    const chat = chatRequestSchema.parse(await readJson(request));
    return await runChat(getChatDeps(), user, chat, request.signal);
  } catch (error) {
    return errorResponse(error);
  }
}
