import { readFileSync } from "node:fs";
import os from "node:os";

/** What the figures depend on: the machine, and how busy other work kept it while we measured. */
export type MachineInfo = { node: string; platform: string; arch: string; cpus: number; cpuModel: string };

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: os.platform(),
    arch: os.arch(),
    cpus: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
  };
}

/**
 * Share of all CPUs busy (0..1) over `ms` while this process sits idle: the load other processes put
 * on the machine. From /proc/stat; null where it is not available.
 */
export async function sampleCpuBusy(ms = 1000): Promise<number | null> {
  const before = readCpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = readCpuTimes();
  if (!before || !after || after.total <= before.total) return null;
  return 1 - (after.idle - before.idle) / (after.total - before.total);
}

function readCpuTimes(): { idle: number; total: number } | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    if (fields.length < 5 || fields.some((n) => !Number.isFinite(n))) return null;
    const idle = fields[3]! + fields[4]!; // idle + iowait
    return { idle, total: fields.reduce((sum, n) => sum + n, 0) };
  } catch {
    return null;
  }
}
