/**
 * CSV (RFC 4180): CRLF line ends, a field quoted when it holds a comma, a double quote or a line
 * break (quotes doubled inside). Pure, so the server's exports and the browser share it.
 */
const LINE_END = "\r\n";

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(",") + LINE_END;
}

/**
 * A number as a plain decimal, never in exponent form (`1.5e-7` -> `0.00000015`): spreadsheets and
 * scripts read it as the same value. Digits are those of the shortest round-trip form, so nothing is
 * invented or lost.
 */
export function plainDecimal(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const text = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, lead, rest = "", exp] = match;
  const digits = lead + rest;
  const point = 1 + Number(exp); // position of the decimal point within `digits`
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + "0".repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A CSV download: an attachment named `filename` that no cache keeps. */
export function csvResponse(filename: string, body: BodyInit): Response {
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
    },
  });
}
