import type { ApiError } from "@/lib/client/errors";

/**
 * Field errors of a form, by field name: from a zod parse in the browser or from the API's 400/409
 * (`details.fields: [{ field, message }]`). A nested path counts for its top field ("modelTiers.0"
 * is the modelTiers field); one that names no field ("(body)" on the server, [] in zod) is the form's.
 */
export type FieldErrors = Record<string, string>;

export const FORM_ERROR = "form";

type Issue = { path: readonly PropertyKey[]; message: string };

function fieldOf(path: string): string {
  const top = path.split(".")[0] ?? "";
  return top === "" || top === "(body)" ? FORM_ERROR : top;
}

/** The first message for each field, in the order the issues came. */
function collect(entries: readonly { field: string; message: string }[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const { field, message } of entries) errors[fieldOf(field)] ??= message;
  return errors;
}

export function fieldErrorsFromIssues(issues: readonly Issue[]): FieldErrors {
  return collect(issues.map((issue) => ({ field: issue.path.map(String).join("."), message: issue.message })));
}

/** The fields an API error names (a 400's zod issues, a 409's payment reference); empty when it names none. */
export function fieldErrorsFromApi(error: ApiError): FieldErrors {
  const fields = error.details?.fields;
  if (!Array.isArray(fields)) return {};
  return collect(
    fields.filter((f): f is { field: string; message: string } => typeof f?.field === "string" && typeof f?.message === "string"),
  );
}
