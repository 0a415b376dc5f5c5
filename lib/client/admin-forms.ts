/**
 * From what an admin typed to the body the API takes: numbers parsed (a blank or a word stays a
 * value the schema refuses with its own words), and only the fields that changed. Pure functions.
 */

/** `40,000`, `40 000` and `40_000` are 40000; blank or not a number is NaN (the schema says "must be a number"). */
export function parseInteger(text: string): number {
  const plain = text.trim().replace(/[\s,_']/g, "");
  return plain === "" || !/^-?\d+(\.\d+)?$/.test(plain) ? Number.NaN : Number(plain);
}

/** `0.15`, `2.5`; blank or not a number is NaN. */
export function parseDecimal(text: string): number {
  const plain = text.trim().replace(/[\s_]/g, "");
  return plain === "" || !/^-?(\d+(\.\d*)?|\.\d+)$/.test(plain) ? Number.NaN : Number(plain);
}

/** A blank optional text is left out. */
export function optionalText(text: string): string | undefined {
  return text.trim() === "" ? undefined : text;
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && [...a].sort().join("\n") === [...b].sort().join("\n");
  return Object.is(a, b);
}

/** The entries of `next` that differ from `current` (arrays compared as sets). */
export function changedFields<T extends Record<string, unknown>>(current: Partial<T>, next: T): Partial<T> {
  const changes: Partial<T> = {};
  for (const key of Object.keys(next) as (keyof T)[]) {
    if (!same(current[key], next[key])) changes[key] = next[key];
  }
  return changes;
}

/** A number as an editable text (no grouping: what the admin types back is what they see). */
export function toInputText(value: number | null | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}
