/** A failure to start or stop the local PostgreSQL, worded to be printed as one line. */
export class LocalPostgresError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LocalPostgresError";
  }
}
