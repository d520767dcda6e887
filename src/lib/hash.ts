import { createHash } from "node:crypto";

// Synchronous on purpose: an API key is hashed on every request, and an await here would be one more
// trip through the event loop that a busy isolate makes the request wait for.
export const sha256Hex = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");

/** The raw digest, for the sandbox carrier's deterministic numbers (as synchronous, for the same reason). */
export const sha256Bytes = (data: string): Uint8Array => createHash("sha256").update(data).digest();
