// Where webhooks may be delivered. A subscription's URL is fetched by our Worker, so a URL that points
// inside a network (loopback, private ranges, link-local cloud metadata at 169.254.169.254, `.internal`
// names) would let a client probe what answers there through the delivery results in /v1/events. Live
// keys may name only public https hosts; test keys may also use loopback, for local development.
// Checked at creation and again at every delivery, where a name is also resolved (DNS over HTTPS) so
// that a public name pointing inside is refused too.

export type TargetMode = "test" | "live";

type V4Range = [number, number]; // network as a 32-bit number, prefix length
const ip4 = (a: number, b: number, c: number, d: number) => ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
const LOOPBACK_V4: V4Range[] = [[ip4(127, 0, 0, 0), 8]];
const INTERNAL_V4: V4Range[] = [
  [ip4(0, 0, 0, 0), 8], [ip4(10, 0, 0, 0), 8], [ip4(100, 64, 0, 0), 10], [ip4(169, 254, 0, 0), 16],
  [ip4(172, 16, 0, 0), 12], [ip4(192, 0, 0, 0), 24], [ip4(192, 0, 2, 0), 24], [ip4(192, 88, 99, 0), 24],
  [ip4(192, 168, 0, 0), 16], [ip4(198, 18, 0, 0), 15], [ip4(198, 51, 100, 0), 24], [ip4(203, 0, 113, 0), 24],
  [ip4(224, 0, 0, 0), 4], [ip4(240, 0, 0, 0), 4],
];
const INTERNAL_NAMES = /(^|\.)(localhost|local|localdomain|internal|intranet|lan|home\.arpa|corp)$/;

const inRanges = (n: number, ranges: V4Range[]) => ranges.some(([net, len]) => (len === 0 ? true : (n >>> (32 - len)) === (net >>> (32 - len))));

function parseV4(host: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.some((p) => p > 255) ? null : ip4(parts[0], parts[1], parts[2], parts[3]);
}

/** The 8 groups of an IPv6 address (brackets removed), or null. */
function parseV6(host: string): number[] | null {
  if (!host.includes(":")) return null;
  let text = host.replace(/%.*$/, "");
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4tail) {
    const n = parseV4(v4tail[1]);
    if (n === null) return null;
    text = text.slice(0, -v4tail[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail, extra] = text.split("::");
  if (extra !== undefined) return null;
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail ? tail.split(":") : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...Array(Math.max(0, fill)).fill("0"), ...t].map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN));
  return groups.length === 8 && groups.every((g) => !Number.isNaN(g)) ? groups : null;
}

export type AddressClass = "public" | "loopback" | "internal";

/** What an IP address (v4 dotted, or v6) is; null when `host` is not an address. */
export function classifyAddress(host: string): AddressClass | null {
  const v4 = parseV4(host);
  if (v4 !== null) return inRanges(v4, LOOPBACK_V4) ? "loopback" : inRanges(v4, INTERNAL_V4) ? "internal" : "public";
  const g = parseV6(host.replace(/^\[|\]$/g, ""));
  if (!g) return null;
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return "loopback";
  if (g.every((x) => x === 0)) return "internal";
  const embedded = (hi: number, lo: number) => classifyAddress(`${hi >>> 8}.${hi & 255}.${lo >>> 8}.${lo & 255}`);
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible, and NAT64 (64:ff9b::/96) carry an IPv4 address.
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) return embedded(g[6], g[7]);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return embedded(g[6], g[7]);
  if (g[0] === 0x2002) return embedded(g[1], g[2]); // 6to4
  if ((g[0] & 0xfe00) === 0xfc00 || (g[0] & 0xffc0) === 0xfe80 || (g[0] & 0xff00) === 0xff00) return "internal";
  if (g[0] === 0x2001 && g[1] === 0x0db8) return "internal"; // documentation
  return "public";
}

/** Why this URL may not receive webhooks for a key of `mode`, or null when it may. */
export function refuseTarget(raw: string, mode: TargetMode): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Must be an absolute http or https URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "Use an http or https URL";
  if (mode === "live" && url.protocol !== "https:") return "Live webhooks need an https URL";
  if (url.username || url.password) return "A webhook URL may not carry credentials";
  // The URL parser has already turned 2852039166, 0xA9FEA9FE and 0251.0376.0251.0376 into 169.254.169.254.
  const host = url.hostname.replace(/\.$/, "").toLowerCase();
  const cls = classifyAddress(host) ?? (host === "localhost" || host.endsWith(".localhost") ? "loopback" : null);
  if (cls === "loopback") return mode === "test" ? null : "Live webhooks cannot point at this machine (loopback)";
  if (cls === "internal") return "This address is private or reserved; webhooks go to public hosts only";
  if (cls === null && (!host.includes(".") || INTERNAL_NAMES.test(host) || host === "metadata.google.internal")) {
    return "This host name is internal; webhooks go to public hosts only";
  }
  return null;
}

/** Names we resolve at delivery time; literal addresses and localhost were judged by `refuseTarget`. */
export function needsResolving(raw: string): string | null {
  const host = new URL(raw).hostname.replace(/\.$/, "").toLowerCase();
  if (classifyAddress(host) !== null || host === "localhost" || host.endsWith(".localhost")) return null;
  return host;
}

// Every delivery asks about its host, and a batch's events go to the same few hosts within seconds:
// an answer is kept for its TTL, at most a minute (as a resolver's own cache would keep it), per
// isolate. A name that resolves to nothing is not kept.
const MAX_KEEP_SECONDS = 60;
const MAX_KEPT = 1_000;
const kept = new Map<string, { addresses: string[]; until: number }>();

/**
 * The addresses a name resolves to (A and AAAA), by DNS over HTTPS (RFC 8484's JSON form, as
 * Cloudflare's and Google's resolvers answer it). Throws when the resolver cannot be asked.
 */
export async function resolveHost(resolver: string, host: string): Promise<string[]> {
  const key = `${resolver}\n${host}`;
  const hit = kept.get(key);
  if (hit && hit.until > Date.now()) return hit.addresses;
  const answers = (await Promise.all(["A", "AAAA"].map(async (type) => {
    const res = await fetch(`${resolver}?name=${encodeURIComponent(host)}&type=${type}`, {
      headers: { accept: "application/dns-json" }, signal: AbortSignal.timeout(3_000),
    });
    if (!res.ok) throw new Error(`resolver answered ${res.status}`);
    const body = (await res.json()) as { Answer?: { type: number; data: string; TTL?: number }[] };
    return (body.Answer ?? []).filter((a) => a.type === 1 || a.type === 28);
  }))).flat();
  const addresses = answers.map((a) => a.data);
  const seconds = Math.min(MAX_KEEP_SECONDS, ...answers.map((a) => a.TTL ?? 0));
  if (addresses.length && seconds > 0) {
    if (kept.size >= MAX_KEPT) kept.clear();
    kept.set(key, { addresses, until: Date.now() + seconds * 1000 });
  }
  return addresses;
}

/** Why a delivery to these resolved addresses is refused, or null. */
export function refuseResolved(addresses: readonly string[], mode: TargetMode): string | null {
  for (const a of addresses) {
    const cls = classifyAddress(a);
    if (cls === "internal" || (cls === "loopback" && mode === "live")) return `The host resolves to an internal address (${a}); not delivered`;
  }
  return null;
}
