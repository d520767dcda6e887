import type { Context } from "hono";
import type { z } from "@hono/zod-openapi";
import { ApiError } from "./errors";
import type { AppEnv } from "./context";
import { zodDetails } from "./validation";

// 10,000 shipments of realistic size come to about 7 MB of JSON; this leaves room without letting
// one request hold an isolate's memory hostage.
export const MAX_BODY_BYTES = 20 * 1024 * 1024;

/** Reads the body once (cached for the idempotency hash and the handler), refusing oversized ones early. */
export async function rawBody(c: Context<AppEnv>): Promise<Uint8Array> {
  const cached = c.get("rawBody");
  if (cached) return cached;
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (c.req.raw.body) {
    const reader = c.req.raw.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  c.set("rawBody", body);
  return body;
}

const tooLarge = () => new ApiError("payload_too_large", `The request body is over ${MAX_BODY_BYTES / 1024 / 1024} MB.`);

const isJson = (type: string) => /^application\/([\w.+-]+\+)?json\b/i.test(type);
export const isMultipart = (type: string) => /^multipart\/form-data\b/i.test(type);

export type ParsedBody = { kind: "json"; value: unknown } | { kind: "form"; form: FormData };

/**
 * JSON, or multipart when the route takes a CSV file. An empty body without a content type reads as
 * `{}` so that `curl -X POST …/cancel` works.
 */
export async function parseBody(c: Context<AppEnv>, opts: { multipart?: boolean } = {}): Promise<ParsedBody> {
  const type = c.req.header("content-type") ?? "";
  const bytes = await rawBody(c);
  if (bytes.byteLength === 0 && !type) return { kind: "json", value: {} };
  if (opts.multipart && isMultipart(type)) {
    try {
      const form = await new Response(bytes, { headers: { "content-type": type } }).formData();
      return { kind: "form", form };
    } catch {
      throw new ApiError("invalid_csv", "The multipart body could not be read.");
    }
  }
  if (!isJson(type)) {
    throw new ApiError(
      "unsupported_media_type",
      opts.multipart
        ? "Send `application/json` or `multipart/form-data` with a CSV `file`."
        : "Send `application/json`.",
    );
  }
  let text: string;
  try {
    // Fatal: invalid UTF-8 is refused, never stored as U+FFFD.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError("invalid_json", "The request body is not valid UTF-8.");
  }
  try {
    return { kind: "json", value: JSON.parse(text) };
  } catch {
    throw new ApiError("invalid_json", "The request body is not valid JSON.");
  }
}

export function validate<S extends z.ZodType>(schema: S, value: unknown, prefix = ""): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ApiError("validation_failed", "The request failed validation.", zodDetails(result.error, prefix));
  }
  return result.data;
}

export async function jsonBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  const body = await parseBody(c);
  return validate(schema, body.kind === "json" ? body.value : {});
}
