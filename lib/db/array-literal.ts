/**
 * Array arguments as PostgreSQL array literals ("{80,95}", '{"a","b"}'): the database port carries
 * scalars, and both adapters hand a string to the parameter's input function (node-postgres as an
 * untyped parameter, PostgREST through json_populate_record), which parses it as the array type.
 */

/** integer[]: every value must be a safe integer. */
export function toIntArrayLiteral(values: readonly number[]): string {
  for (const value of values) if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return `{${values.join(",")}}`;
}

/** text[]: each element quoted, backslashes and double quotes escaped. */
export function toTextArrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;
}
