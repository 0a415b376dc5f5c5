import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

/**
 * The dependency direction (README "Layout"), enforced: each room lists the rooms of lib/ it may
 * import; anything else in lib/, and app/, components/ and hooks/ from lib/, is an error.
 *
 *   app -> lib/api -> lib/{chat, metering, auth, rate-limit} -> lib/db, lib/llm, lib/spool -> lib/env, lib/errors -> lib/client
 *   components, hooks -> lib/client only
 */
const rooms = [
  { files: ["lib/client/**/*.ts"], may: ["client"], why: "lib/client is what the browser may import: nothing server-side." },
  { files: ["lib/errors.ts"], may: ["client"], why: "lib/errors.ts sits below every room." },
  { files: ["lib/env.ts"], may: [], why: "lib/env.ts sits below every room." },
  { files: ["lib/db/**/*.ts"], may: ["db", "env", "errors"], why: "lib/db is the database port: it knows no metering, chat, LLM or auth." },
  { files: ["lib/llm/**/*.ts"], may: ["llm", "env", "errors"], why: "lib/llm is the model client: it keeps no books and reaches no database." },
  { files: ["lib/spool/**/*.ts"], may: ["spool"], why: "lib/spool is a durable file queue: it knows nothing of what its records mean." },
  {
    files: ["lib/metering/**/*.ts"],
    may: ["metering", "db", "env", "errors", "client"],
    why: "lib/metering reaches the database through lib/db only; it knows no chat, LLM, auth or routes.",
  },
  { files: ["lib/rate-limit/**/*.ts"], may: ["rate-limit", "db", "env", "errors"], why: "lib/rate-limit reaches the database through lib/db only." },
  { files: ["lib/auth/**/*.ts"], may: ["auth", "db", "env", "errors", "client"], why: "lib/auth knows who is signed in, nothing of metering or chat." },
  { files: ["lib/usage/**/*.ts"], may: ["usage", "db", "env", "errors", "client"], why: "lib/usage reads usage through lib/db only; it knows no metering, chat, LLM, auth or routes." },
  { files: ["lib/admin/**/*.ts"], may: ["admin", "db", "env", "errors", "client"], why: "lib/admin reaches the database through lib/db only; it knows no metering, chat, LLM, auth or routes." },
  {
    files: ["lib/chat/**/*.ts"],
    may: ["chat", "metering", "rate-limit", "auth", "llm", "db", "spool", "env", "errors", "client"],
    why: "lib/chat composes the domain rooms; it never imports lib/api (the route layer).",
  },
  {
    files: ["lib/api/**/*.ts"],
    may: ["api", "admin", "chat", "metering", "rate-limit", "auth", "usage", "llm", "db", "spool", "env", "errors", "client", "version"],
    why: "lib/api is the route layer.",
  },
  { files: ["lib/*.ts"], ignores: ["lib/errors.ts", "lib/env.ts"], may: ["client"], why: "loose lib/ files stay leaves." },
  {
    files: ["components/**/*.{ts,tsx}", "hooks/**/*.{ts,tsx}"],
    may: ["client"],
    why: "components/ and hooks/ run in the browser: they import lib/client only (no database, LLM, configuration or app).",
  },
  {
    files: ["app/**/*.{ts,tsx}"],
    may: ["api", "admin", "chat", "metering", "rate-limit", "auth", "usage", "client", "errors", "version", "safe-redirect"],
    why: "app/ is thin: it reaches the database and the model through lib/api and the domain rooms, never lib/db or lib/llm.",
  },
];

function boundary({ files, ignores, may, why }) {
  const allowed = may.join("|"); // room names are letters and hyphens: nothing to escape
  const patterns = [
    { regex: allowed ? `^@/lib/(?!(?:${allowed})(?:/|$)).+` : "^@/lib/.+", message: why },
    { regex: "^\\.\\./", message: "Import through @/… so the boundary rules can see it." },
  ];
  if (files.some((glob) => glob.startsWith("lib/"))) {
    patterns.push({ regex: "^@/(?:app|components|hooks)(?:/|$)", message: "lib/ never imports app/, components/ or hooks/." });
  }
  if (may.length === 1 && may[0] === "client") {
    patterns.push({ regex: "^(?:server-only|next/headers|pg|openai|@supabase/.*|node:.*)$", message: why });
  }
  return { files, ...(ignores ? { ignores } : {}), rules: { "no-restricted-imports": ["error", { patterns }] } };
}

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  ...rooms.map(boundary),
  {
    files: ["app/**/*.{ts,tsx}", "lib/**/*.ts", "components/**/*.{ts,tsx}", "hooks/**/*.{ts,tsx}", "proxy.ts"],
    ignores: ["lib/env.ts"],
    rules: {
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "Read configuration through lib/env.ts." }],
    },
  },
  globalIgnores([".next/**", "out/**", "build/**", "next-env.d.ts", ".data/**", "test-results/**", "playwright-report/**", "bench-results/**", ".bench-build/**"]),
]);
