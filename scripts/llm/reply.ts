import { countTextTokens } from "../../lib/metering/tokenizer";

/**
 * The local model's reply: deterministic English text seeded from the last user message,
 * cut to a token budget measured with the app's own tokenizer, and split into stream chunks
 * of a few tokens each. Concatenating the chunks gives exactly `text`.
 */

export type FinishReason = "stop" | "length";

export type PlannedReply = {
  chunks: string[];
  text: string;
  completionTokens: number;
  finishReason: FinishReason;
};

export type PlanReplyInput = {
  seed: string;
  /** Length the model "wants" to write, in tokens. */
  targetTokens: number;
  /** Caller's max_tokens: the reply never counts more tokens than this. */
  maxTokens?: number;
};

const REPLY_TOKENS_MARKER = /\[\[reply_tokens:(\d+)\]\]/i;
/** `[[markdown]]` in the prompt: the reply is shaped as markdown (headings, lists, a table, code). */
const MARKDOWN_MARKER = /\[\[markdown\]\]/i;
export const MAX_REPLY_TOKENS = 100_000;

const WORDS = (
  "the quick brown fox jumps over a lazy dog while every token on this meter is counted with care " +
  "our model writes plain words so that tokens and characters differ in number and each reply stays " +
  "the same for the same question budget quota usage limit request stream chunk server local test " +
  "answer because people like simple things such as coffee rivers mountains gardens music lanterns " +
  "evening morning window library journey harbour orchard thunder whisper"
).split(" ");

/** The reply length asked for by a `[[reply_tokens:N]]` marker, or the fallback. */
export function readReplyTokens(text: string, fallback: number): number {
  const match = REPLY_TOKENS_MARKER.exec(text);
  return match ? Math.min(Number(match[1]), MAX_REPLY_TOKENS) : fallback;
}

export function planReply({ seed, targetTokens, maxTokens }: PlanReplyInput): PlannedReply {
  const limit = Math.min(targetTokens, maxTokens ?? Number.POSITIVE_INFINITY);
  const random = createRandom(hashText(seed));
  const pieces = pickPieces(MARKDOWN_MARKER.test(seed) ? generateMarkdownPieces(random) : generatePieces(random), limit);
  let completionTokens = countTextTokens(pieces.join(""));
  // Token counts are additive across words for this text; re-count the whole anyway and trim if not.
  while (completionTokens > limit && pieces.length > 0) {
    pieces.pop();
    completionTokens = countTextTokens(pieces.join(""));
  }
  const chunks = groupPieces(pieces, random);
  return {
    chunks,
    text: chunks.join(""),
    completionTokens,
    finishReason: maxTokens !== undefined && maxTokens < targetTokens ? "length" : "stop",
  };
}

function pickPieces(pieces: Iterator<string>, limit: number): string[] {
  const picked: string[] = [];
  let tokens = 0;
  let skipped = 0;
  while (tokens < limit && skipped < 50) {
    const piece = pieces.next().value as string;
    const cost = countPieceTokens(piece);
    if (tokens + cost > limit) {
      skipped += 1; // look for a shorter word to land exactly on the limit
      continue;
    }
    picked.push(piece);
    tokens += cost;
  }
  return picked;
}

function* generatePieces(random: () => number): Generator<string, never> {
  let first = true;
  for (;;) {
    const sentenceLength = 5 + Math.floor(random() * 9);
    for (let i = 0; i < sentenceLength; i += 1) {
      const word = WORDS[Math.floor(random() * WORDS.length)]!;
      const text = i === 0 ? word[0]!.toUpperCase() + word.slice(1) : word;
      yield first ? text : ` ${text}`;
      first = false;
      if (i > 1 && i < sentenceLength - 2 && random() < 0.08) yield ",";
    }
    yield ".";
  }
}

/** Markdown blocks in turn, each split into word-sized pieces so a token budget can cut anywhere. */
function* generateMarkdownPieces(random: () => number): Generator<string, never> {
  const words = generatePieces(random);
  const sentence = (count: number) => {
    let text = "";
    for (let i = 0; i < count; i += 1) text += (words.next().value as string).replace(/^[ ,.]+/, i ? " " : "");
    return text;
  };
  const blocks = [
    () => `## ${sentence(3)}\n\n`,
    () => `${sentence(14)}. ${sentence(10)}.\n\n`,
    () => `- ${sentence(5)}\n- ${sentence(6)}\n- ${sentence(4)}\n\n`,
    () => `| Model | Tokens | Cost |\n| --- | ---: | ---: |\n| gpt-4o-mini | 1,024 | $0.0006 |\n| claude-sonnet | 2,048 | $0.0310 |\n\n`,
    () => "```ts\nconst remaining = cap - used - held;\nconsole.log(`left: ${remaining}`);\n```\n\n",
  ];
  for (let block = 0; ; block = (block + 1) % blocks.length) {
    for (const piece of blocks[block]!().split(/(?<=\s)/)) yield piece;
  }
}

function groupPieces(pieces: string[], random: () => number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < pieces.length; ) {
    const size = 1 + Math.floor(random() * 3);
    chunks.push(pieces.slice(i, i + size).join(""));
    i += size;
  }
  return chunks;
}

const pieceTokens = new Map<string, number>();

function countPieceTokens(piece: string): number {
  let count = pieceTokens.get(piece);
  if (count === undefined) {
    count = countTextTokens(piece);
    pieceTokens.set(piece, count);
  }
  return count;
}

/** FNV-1a, 32 bit. */
function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a small seeded PRNG, so the same prompt always gets the same reply. */
function createRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
