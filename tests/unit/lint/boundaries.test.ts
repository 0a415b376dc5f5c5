import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

/** The dependency direction is enforced by eslint.config.mjs: a forbidden import fails `npm run lint`. */
let eslint: ESLint;
beforeAll(async () => {
  eslint = new ESLint({ cwd: process.cwd() });
  // Loading the config and its plugins takes seconds on a busy machine: once, here, not in a test.
  await eslint.lintText("export {};\n", { filePath: "lib/db/warm-up.ts" });
}, 60_000);

async function restrictedImports(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("ESLint boundary rules", () => {
  it.each([
    ["lib/db/example.ts", 'import { createMeteringStore } from "@/lib/metering/store";', /database port/],
    ["lib/db/example.ts", 'import { getLlmClient } from "@/lib/llm/client";', /database port/],
    ["lib/db/example.ts", 'import { runChat } from "@/lib/chat/run-chat";', /database port/],
    ["lib/metering/example.ts", 'import { openChatStream } from "@/lib/llm/stream-chat";', /lib\/metering/],
    ["lib/metering/example.ts", 'import { runChat } from "@/lib/chat/run-chat";', /lib\/metering/],
    ["lib/llm/example.ts", 'import { getRpc } from "@/lib/db/get-rpc";', /model client/],
    ["lib/chat/example.ts", 'import { getStores } from "@/lib/api/stores";', /route layer/],
    ["lib/client/example.ts", 'import { AppError } from "@/lib/errors";', /browser/],
    ["lib/client/example.ts", 'import "server-only";', /browser/],
    ["components/chat/example.tsx", 'import { getEnv } from "@/lib/env";', /browser/],
    ["components/chat/example.tsx", 'import type { MeteringStore } from "@/lib/metering/store";', /browser/],
    ["app/api/example/route.ts", 'import { getRpc } from "@/lib/db/get-rpc";', /thin/],
    ["app/api/example/route.ts", 'import { getLlmClient } from "@/lib/llm/client";', /thin/],
    ["lib/metering/example.ts", 'import { x } from "@/components/chat/x";', /never imports app/],
    ["lib/metering/example.ts", 'import { x } from "../db/rpc";', /@\/…/],
    ["lib/usage/example.ts", 'import { runChat } from "@/lib/chat/run-chat";', /usage/],
    ["hooks/use-example.ts", 'import { getStores } from "@/lib/api/stores";', /browser/],
  ])("%s may not `%s`", async (file, source, message) => {
    const messages = await restrictedImports(file, `${source}\nexport {};\n`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  it.each([
    ["lib/db/example.ts", 'import { AppError } from "@/lib/errors";\nimport { getEnv } from "@/lib/env";\nimport type { RpcClient } from "@/lib/db/rpc";'],
    ["lib/metering/example.ts", 'import type { RpcClient } from "@/lib/db/rpc";\nimport type { TokenStatusView } from "@/lib/client/token-status";'],
    ["lib/chat/example.ts", 'import { checkQuota } from "@/lib/metering/check-quota";\nimport { openChatStream } from "@/lib/llm/stream-chat";'],
    ["lib/api/example.ts", 'import { createMeteringStore } from "@/lib/metering/store";\nimport { getRpc } from "@/lib/db/get-rpc";'],
    ["components/chat/example.tsx", 'import { fetchJson } from "@/lib/client/fetch-json";'],
    ["lib/usage/example.ts", 'import type { RpcClient } from "@/lib/db/rpc";'],
    ["app/api/example/route.ts", 'import { withUser } from "@/lib/api/handler";\nimport { toTokenStatusView } from "@/lib/metering/token-status-view";'],
  ])("%s may import what its room allows", async (file, source) => {
    expect(await restrictedImports(file, `${source}\nexport {};\n`)).toEqual([]);
  });
});
