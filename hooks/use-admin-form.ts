"use client";

import { useState, type FormEvent } from "react";
import type { ZodType } from "zod";
import { ApiError } from "@/lib/client/errors";
import { FORM_ERROR, fieldErrorsFromApi, fieldErrorsFromIssues, type FieldErrors } from "@/lib/client/field-errors";
import { notify } from "@/lib/client/notify";

type Options<V, B, R> = {
  /** What the fields hold when the form opens (text as typed, booleans, lists). */
  initial: V;
  /** The API's own schema for the body (lib/client/admin-inputs.ts): the same rules, the same words. */
  schema: ZodType<B>;
  /** The body to send, from the values; null when nothing changed. */
  toBody: (values: V) => unknown;
  send: (body: B) => Promise<R>;
  /** The success toast. */
  success: (result: R) => string;
  onDone?: (result: R) => void;
};

/**
 * An admin form: values, the schema checked before sending, then the API's answer. Field errors
 * (the browser's or a 400's / 409's `details.fields`) sit by their field; any other error is the
 * form's, with the server's message. A success toasts and calls onDone (revalidate, close).
 */
export function useAdminForm<V extends Record<string, unknown>, B, R>({ initial, schema, toBody, send, success, onDone }: Options<V, B, R>) {
  const [values, setValues] = useState<V>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [pending, setPending] = useState(false);

  function setValue<K extends keyof V & string>(key: K, value: V[K]) {
    setValues((current) => ({ ...current, [key]: value }));
    // A field's error goes once it is edited; the form's stays until the next try.
    if (errors[key]) {
      setErrors((current) => {
        const rest = { ...current };
        delete rest[key];
        return rest;
      });
    }
  }

  async function submit(event?: FormEvent) {
    event?.preventDefault();
    if (pending) return;
    const body = toBody(values);
    if (body === null) {
      setErrors({ [FORM_ERROR]: "Nothing changed: edit a field first." });
      return;
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      setErrors(fieldErrorsFromIssues(parsed.error.issues));
      return;
    }
    setPending(true);
    setErrors({});
    try {
      const result = await send(parsed.data);
      notify("success", success(result));
      onDone?.(result);
    } catch (caught) {
      const error = caught instanceof ApiError ? caught : new ApiError("internal", "Something went wrong. Try again.");
      const fields = fieldErrorsFromApi(error);
      // A 400 naming its fields says it by them; anything else (a 409, a 404, a 403) also says it for the form.
      const byFields = error.code === "bad_request" && Object.keys(fields).length > 0;
      setErrors(byFields ? fields : { ...fields, [FORM_ERROR]: error.message });
    } finally {
      setPending(false);
    }
  }

  return { values, setValue, errors, formError: errors[FORM_ERROR] ?? null, pending, submit };
}

export type AdminForm<V extends Record<string, unknown>> = {
  values: V;
  setValue: <K extends keyof V & string>(key: K, value: V[K]) => void;
  errors: FieldErrors;
  formError: string | null;
  pending: boolean;
  submit: (event?: FormEvent) => Promise<void>;
};
