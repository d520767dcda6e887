// SHA-256, synchronous on purpose: an API key is hashed on every request, and an await here would be
// one more trip through the event loop that a busy isolate makes the request wait for. @noble/hashes
// (audited, plain JS) rather than node:crypto's createHash, whose stream object cost more to set up
// per call in workerd than the hash itself of a short input.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

const bytesOf = (data: string | Uint8Array) => (typeof data === "string" ? utf8ToBytes(data) : data);

export const sha256Hex = (data: string | Uint8Array): string => bytesToHex(sha256(bytesOf(data)));

/** The raw digest, for the sandbox carrier's deterministic numbers (as synchronous, for the same reason). */
export const sha256Bytes = (data: string): Uint8Array => sha256(bytesOf(data));
