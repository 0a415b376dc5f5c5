"use client";

import { useId, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { cn } from "@/lib/client/cn";

type ControlProps = { id: string; "aria-invalid"?: true; "aria-describedby"?: string };

/**
 * A labelled control with its hint and its error (said as a sentence: "Token cap must be at least 0"),
 * tied to the control by aria-describedby. The control comes from `children`, given its id and aria props.
 */
export function Field({ label, error, hint, className, children }: { label: string; error?: string; hint?: ReactNode; className?: string; children: (props: ControlProps) => ReactNode }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={cn("grid content-start gap-1.5", className)}>
      <Label htmlFor={id}>{label}</Label>
      {children({ id, ...(error ? { "aria-invalid": true as const } : {}), ...(describedBy ? { "aria-describedby": describedBy } : {}) })}
      {error ? (
        <p id={errorId} className="text-xs text-danger-foreground" data-testid="field-error">
          {label} {error}
        </p>
      ) : null}
      {hint ? (
        <p id={hintId} className="text-xs text-muted-foreground">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

type TextFieldProps = {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  hint?: ReactNode;
  className?: string;
  inputMode?: "text" | "numeric" | "decimal";
  placeholder?: string;
  autoFocus?: boolean;
  type?: "text" | "date";
};

/** A labelled text input (numbers are typed as text and parsed with the schema's words on error). */
export function TextField({ label, name, value, onChange, error, hint, className, inputMode, placeholder, autoFocus, type = "text" }: TextFieldProps) {
  return (
    <Field label={label} error={error} hint={hint} className={className}>
      {(props) => (
        <Input
          {...props}
          name={name}
          type={type}
          value={value}
          inputMode={inputMode}
          placeholder={placeholder}
          autoFocus={autoFocus}
          autoComplete="off"
          className={inputMode === "numeric" || inputMode === "decimal" ? "tabular-nums" : undefined}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  );
}

/** The form's own error (the server's message, or "Nothing changed"), announced when it appears. */
export function FormError({ message }: { message: string | null }) {
  return message ? (
    <p role="alert" className="text-sm text-danger-foreground" data-testid="form-error">
      {message}
    </p>
  ) : null;
}

/** Save and Cancel, the Save button saying while it works. */
export function FormButtons({ pending, onCancel, saveLabel = "Save", className }: { pending: boolean; onCancel: () => void; saveLabel?: string; className?: string }) {
  return (
    <div className={cn("flex flex-col-reverse gap-2 sm:flex-row sm:justify-end", className)}>
      <Button variant="outline" onClick={onCancel} disabled={pending}>
        Cancel
      </Button>
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : saveLabel}
      </Button>
    </div>
  );
}
