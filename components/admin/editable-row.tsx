"use client";

import { useState, type KeyboardEvent, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

type Props = {
  /** What the row is, for the Edit button's and the form's names: "Free plan". */
  label: string;
  /** The row's cells when not editing (the Edit button's cell is added). */
  cells: ReactNode;
  /** How many columns the table has, the Edit column included. */
  columns: number;
  /** The edit form; `close` ends editing (Cancel, Escape, or after a save). */
  form: (close: () => void) => ReactNode;
  testId?: string;
};

/**
 * A table row that becomes its own edit form in place: Edit opens it (focus to its first field),
 * Escape or Cancel closes it, and the focus goes back to Edit. At phone width the form keeps to the
 * visible width of the table's scroller, however wide the table is.
 */
export function EditableRow({ label, cells, columns, form, testId }: Props) {
  const [editing, setEditing] = useState(false);
  // Once a form has closed, the Edit button it replaced takes the focus back as it mounts again.
  const [wasEditing, setWasEditing] = useState(false);
  const close = () => {
    setWasEditing(true);
    setEditing(false);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      close();
    }
  };

  if (editing) {
    return (
      <TableRow className="bg-muted/40 hover:bg-muted/40" data-testid={testId} data-editing="true">
        <TableCell colSpan={columns} className="whitespace-normal p-0">
          <div className="sticky left-0 w-[100cqw] p-3" onKeyDown={onKeyDown} role="group" aria-label={`Edit ${label}`}>
            {form(close)}
          </div>
        </TableCell>
      </TableRow>
    );
  }
  return (
    <TableRow data-testid={testId}>
      {cells}
      <TableCell className="text-right">
        <Button autoFocus={wasEditing} variant="outline" size="sm" onClick={() => setEditing(true)} aria-label={`Edit ${label}`}>
          Edit
        </Button>
      </TableCell>
    </TableRow>
  );
}

export type Column = { label: string; numeric?: boolean };

/** The table EditableRows sit in: its headers, then an unlabelled-to-the-eye Actions column for the Edit buttons. */
export function EditableTable({ columns, testId, children }: { columns: Column[]; testId: string; children: ReactNode }) {
  return (
    <Table data-testid={testId}>
      <TableHeader>
        <TableRow>
          {columns.map((column) => (
            <TableHead key={column.label} className={column.numeric ? "text-right" : undefined}>
              {column.label}
            </TableHead>
          ))}
          <TableHead>
            <span className="sr-only">Actions</span>
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>{children}</TableBody>
    </Table>
  );
}
