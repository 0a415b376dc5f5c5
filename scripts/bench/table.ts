/** A compact, aligned plain-text table: text columns left-aligned, numbers right-aligned. */

export type Column = { header: string; align?: "left" | "right" };

export function formatTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((column, i) => Math.max(column.header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    columns
      .map((column, i) => {
        const cell = cells[i] ?? "";
        return column.align === "right" ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [line(columns.map((c) => c.header)), rule, ...rows.map(line)].map((text) => `  ${text}`).join("\n");
}

/** Milliseconds with precision that suits their size. */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return "-";
  if (Math.abs(value) < 10) return value.toFixed(2);
  if (Math.abs(value) < 100) return value.toFixed(1);
  return value.toFixed(0);
}

export function formatSignedMs(value: number): string {
  if (!Number.isFinite(value)) return "-";
  return `${value >= 0 ? "+" : ""}${formatMs(value)}`;
}

export function formatRatio(value: number, base: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(base) || base <= 0) return "-";
  return `${(value / base).toFixed(2)}x`;
}

export function formatRate(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "-";
}
