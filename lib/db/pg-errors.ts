import { AppError } from "@/lib/errors";

/** How long a client should wait before trying again when the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** 503 `unavailable` with Retry-After: the database is down, frozen or out of connections. */
export function databaseUnavailable(cause: unknown): AppError {
  return new AppError("unavailable", "The database is not reachable right now. Try again shortly.", {
    cause,
    details: { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
    headers: { "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS) },
  });
}

/** Maps a node-postgres error to the app's error type. Messages from SQL are ours; driver internals are not sent. */
export function mapPgError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case "22023": // invalid_parameter_value: our functions' own validation, worded for people
      return new AppError("bad_request", message, { cause: error });
    case "22P02": // invalid_text_representation
    case "22007": // invalid_datetime_format
    case "22003": // numeric_value_out_of_range
    case "23514": // check_violation
      return new AppError("bad_request", "Invalid input.", { cause: error });
    case "28000": // invalid_authorization_specification: public.require_session, a session that has ended
      return new AppError("unauthorized", message, { cause: error });
    case "42501": // insufficient_privilege
      return new AppError("forbidden", "Not allowed.", { cause: error });
    case "P0002": // no_data_found
      return new AppError("not_found", message, { cause: error });
    case "57014": // query_canceled (statement timeout)
    case "57P01": // admin_shutdown
    case "57P03": // cannot_connect_now
    case "53300": // too_many_connections
    case "08000":
    case "08001":
    case "08003":
    case "08006":
    case "ECONNREFUSED":
    case "ECONNRESET":
    case "ETIMEDOUT":
      return databaseUnavailable(error);
    default:
      // node-postgres' own time limits ("Query read timeout", "timeout exceeded when trying to connect"), a dropped connection.
      if (/timeout|terminat|connect|fetch failed/i.test(message)) return databaseUnavailable(error);
      return new AppError("internal", "Database error.", { cause: error });
  }
}
