export const OWNER_FILE: string;

export type ProcStat = { pid: number; comm: string; state: string; ppid: number; pgrp: number; startTime: string };
export type Owner = { pid: number; startTime: string | null };
export type PostgresProcess = { pid: number; ppid: number; cmdline: string; cwd: string | undefined; exe: string | undefined };

export function readStat(pid: number): ProcStat | undefined;
export function currentOwner(): Owner;
export function isRunning(pid: number, startTime?: string | null): boolean;
export function ownerAlive(owner: Owner | undefined): boolean;
export function readOwnerFile(file: string): Owner | undefined;
export function groupRunning(pgid: number): boolean;
export function sendSignal(pid: number, signal: NodeJS.Signals): boolean;
export function waitUntilGone(check: () => boolean, ms: number): Promise<boolean>;
export function stopPostmaster(
  pid: number,
  options?: { startTime?: string | null; fastMs?: number; immediateMs?: number },
): Promise<"gone" | "SIGINT" | "SIGQUIT" | "SIGKILL" | "still running">;
export function stopGroup(pgid: number, options?: { termMs?: number }): Promise<"gone" | "SIGTERM" | "SIGKILL">;
export function readPostmasterPid(dataDir: string): number | undefined;
export function postmasterOf(dataDir: string): { pid: number; startTime: string | undefined; ppid?: number } | undefined;
export function listPostgresProcesses(): PostgresProcess[];
export function removeTree(dir: string): Promise<void>;
