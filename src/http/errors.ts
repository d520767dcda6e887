import type { ContentfulStatusCode } from "hono/utils/http-status";

// The one table from error code to HTTP status: API.md's error table.
export const ERROR_STATUS = {
  invalid_json: 400,
  validation_failed: 400,
  invalid_csv: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  invalid_state: 409,
  idempotency_key_reused: 409,
  request_in_progress: 409,
  amount_changed: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorDetail = { path: string; message: string };

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }
  toBody() {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const notFound = (what: string) => new ApiError("not_found", `No such ${what}.`);
