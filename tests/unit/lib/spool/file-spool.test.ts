import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileSpool, type FileSpool } from "@/lib/spool/file-spool";

let dir: string;
let spool: FileSpool;
beforeEach(() => {
  dir = path.join(mkdtempSync(path.join(os.tmpdir(), "tokenmeter-spool-test-")), "spool");
  spool = createFileSpool(dir);
});
afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

describe("the file spool", () => {
  it("lists nothing before the first record (no directory yet)", async () => {
    expect(await spool.list()).toEqual([]);
  });

  it("keeps each record in its own file, lists ids in order, reads them back and removes them", async () => {
    await spool.put("b-2", { n: 2 });
    await spool.put("a-1", { n: 1 });
    expect(await spool.list()).toEqual(["a-1", "b-2"]);
    expect(await spool.read("a-1")).toEqual({ n: 1 });
    await spool.remove("a-1");
    await spool.remove("a-1"); // removing twice (two replayers) is fine
    expect(await spool.list()).toEqual(["b-2"]);
    expect(await spool.read("a-1")).toBeUndefined();
  });

  it("leaves no temporary file behind, and another spool on the same directory sees the records (a restarted server)", async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => spool.put(`r-${String(i).padStart(2, "0")}`, { i })));
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    const again = createFileSpool(dir);
    expect(await again.list()).toHaveLength(20);
    expect(await again.read("r-07")).toEqual({ i: 7 });
  });

  it("reads a damaged record as missing instead of failing the whole replay, and ignores stray files", async () => {
    await spool.put("good", { ok: true });
    writeFileSync(path.join(dir, "torn.json"), '{"settle": {"requ');
    writeFileSync(path.join(dir, "notes.txt"), "hello");
    expect(await spool.list()).toEqual(["good", "torn"]);
    expect(await spool.read("torn")).toBeUndefined();
    expect(await spool.read("good")).toEqual({ ok: true });
  });

  it("sets a record aside in failed/ with its reason", async () => {
    await spool.put("bad", { x: 1 });
    await spool.quarantine("bad", "bad_request: nope");
    expect(await spool.list()).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(dir, "failed", "bad.json"), "utf8"))).toEqual({ x: 1 });
    expect(readFileSync(path.join(dir, "failed", "bad.reason.txt"), "utf8")).toMatch(/bad_request: nope/);
  });

  it("refuses ids that could leave the directory", async () => {
    await expect(spool.put("../escape", {})).rejects.toThrow(/invalid record id/);
    await expect(spool.put("a/b", {})).rejects.toThrow(/invalid record id/);
    await expect(spool.put("", {})).rejects.toThrow(/invalid record id/);
  });
});
