import { parseArgs } from "node:util";
import { envSchema } from "../lib/env";
import { startLlmServer } from "./llm/server";

/**
 * The local OpenAI-compatible LLM server, standalone:
 *   tsx --conditions=react-server scripts/llm-server.ts [--port N] [--host H] [--chunk-delay-ms N] [--verbose]
 * Port: --port, else LOCAL_LLM_PORT, else 54330. Prints one line with the base URL; stops on SIGINT/SIGTERM.
 */

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    "chunk-delay-ms": { type: "string" },
    verbose: { type: "boolean", default: false },
  },
});

function readPort(): number {
  // The same rule as lib/env.ts: LOCAL_LLM_PORT, default 54330.
  const parsed = envSchema.shape.LOCAL_LLM_PORT.safeParse(values.port ?? process.env.LOCAL_LLM_PORT);
  if (parsed.success) return parsed.data;
  console.error(`Invalid port ${values.port ?? process.env.LOCAL_LLM_PORT}: ${parsed.error.issues[0]?.message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  const server = await startLlmServer({
    port: readPort(),
    host: values.host,
    chunkDelayMs: values["chunk-delay-ms"] === undefined ? undefined : Number(values["chunk-delay-ms"]),
    log: values.verbose ? (line) => console.error(line) : undefined,
  }).catch((error: unknown) => {
    console.error(`Local LLM server could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  console.log(`Local LLM server (OpenAI-compatible) listening on ${server.url}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1); // a second signal: do not wait
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Local LLM server stopped with an error on ${signal}:`, error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

void main();
