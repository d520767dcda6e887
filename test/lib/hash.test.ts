import { describe, expect, it } from "vitest";
import { sha256Bytes, sha256Hex } from "../../src/lib/hash";

const subtleHex = async (s: string) => [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)))].map((b) => b.toString(16).padStart(2, "0")).join("");

describe("sha256", () => {
  it("gives FIPS 180-2's digests of its examples", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("agrees with the runtime's WebCrypto on keys, UTF-8 text, long inputs and bytes", async () => {
    for (const s of ["sk_test_0123456789abcdefABCDEF", "acct\nidem-κλειδί-ключ-🚚", "x".repeat(10_000)]) {
      expect(sha256Hex(s)).toBe(await subtleHex(s));
      expect(sha256Hex(new TextEncoder().encode(s))).toBe(await subtleHex(s));
      expect([...sha256Bytes(s)].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe(await subtleHex(s));
    }
  });
});
