import "server-only";
import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";

/**
 * A durable local spool: records that must survive a database outage and a crash of this process,
 * kept on local disk until they have been delivered. It knows nothing of what the records mean.
 *
 * One file per record, written once: the JSON goes to a temporary file, is fsynced, renamed to
 * `<id>.json` and the directory is fsynced, so a record is either wholly there or not at all (no
 * torn line to skip, no journal to compact). Records are never changed in place; a delivered record
 * is removed, one that can never be delivered is moved to `failed/` with the reason beside it.
 * Any number of processes may share a directory: a record delivered twice (two replayers, or a crash
 * between delivery and removal) must be harmless, which the callers ensure with idempotent deliveries.
 */
export type FileSpool = {
  readonly dir: string;
  /** Stores the record under the id, durably, before returning. A second put of an id replaces the first. */
  put(id: string, record: unknown): Promise<void>;
  /** The ids waiting, in id order (callers that want the oldest first put a time first in the id). */
  list(): Promise<string[]>;
  /** The record, or undefined when it is gone (delivered by another process) or unreadable. */
  read(id: string): Promise<unknown>;
  remove(id: string): Promise<void>;
  /** Moves the record to failed/ (kept for a person to look at), with the reason. */
  quarantine(id: string, reason: string): Promise<void>;
};

const ID = /^[A-Za-z0-9_-]{1,100}$/;

export function createFileSpool(dir: string): FileSpool {
  const failedDir = path.join(dir, "failed");
  const fileOf = (id: string) => {
    if (!ID.test(id)) throw new Error(`spool: invalid record id ${JSON.stringify(id)}`);
    return path.join(dir, `${id}.json`);
  };
  let ready: Promise<void> | undefined;
  const ensureDir = () => (ready ??= mkdir(failedDir, { recursive: true }).then(() => undefined));

  return {
    dir,
    async put(id, record) {
      const target = fileOf(id);
      await ensureDir();
      const temp = path.join(dir, `.${id}.${randomUUID()}.tmp`);
      await writeDurably(temp, `${JSON.stringify(record)}\n`);
      await rename(temp, target);
      await syncDir(dir);
    },
    async list() {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw error;
      }
      return names
        .filter((name) => name.endsWith(".json"))
        .map((name) => name.slice(0, -".json".length))
        .filter((id) => ID.test(id))
        .sort();
    },
    async read(id) {
      try {
        return JSON.parse(await readFile(fileOf(id), "utf8"));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        if (error instanceof SyntaxError) return undefined;
        throw error;
      }
    },
    async remove(id) {
      await rm(fileOf(id), { force: true });
      await syncDir(dir);
    },
    async quarantine(id, reason) {
      await ensureDir();
      await writeDurably(path.join(failedDir, `${id}.reason.txt`), `${new Date().toISOString()} ${reason}\n`);
      try {
        await rename(fileOf(id), path.join(failedDir, `${id}.json`));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      await syncDir(dir);
    },
  };
}

async function writeDurably(file: string, text: string): Promise<void> {
  const handle = await open(file, "w", 0o600);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename or removal in the directory durable. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
