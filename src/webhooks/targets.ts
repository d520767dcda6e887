// Where webhooks may be delivered. A subscription's URL is fetched by our Worker, so a URL that points
// inside a network (loopback, private ranges, link-local cloud metadata at 169.254.169.254, `.internal`
// names) would let a client probe what answers there through the delivery results in /v1/events. Live
// keys may name only public https hosts; test keys may also use loopback, for local development.
// Checked at creation and again at every delivery, where a name is also resolved (DNS over HTTPS) so
// that a public name pointing inside is refused too. On Cloudflare a Worker's fetch cannot reach
// private networks anyway; this check also keeps out the special ranges a fetch could still reach
// (translated and tunnelled forms, carrier-grade NAT, documentation and benchmarking ranges) and
// names the reason to the client, and it protects local development, where fetch can reach anything.
import ipaddr from "ipaddr.js";

export type TargetMode = "test" | "live";

const INTERNAL_NAMES = /(^|\.)(localhost|local|localdomain|internal|intranet|lan|home\.arpa|corp)$/;

export type AddressClass = "public" | "loopback" | "internal";

/** The IPv4 address carried in two 16-bit groups of an IPv6 address. */
const embeddedV4 = (hi: number, lo: number) => ipaddr.IPv4.parse(`${hi >>> 8}.${hi & 255}.${lo >>> 8}.${lo & 255}`);

/**
 * What an address is, by the special-purpose ranges of the maintained `ipaddr.js` (IANA's registries):
 * only ordinary unicast is public. An IPv6 form that carries an IPv4 address (IPv4-mapped, the
 * IPv4-translated ::ffff:0:a.b.c.d, IPv4-compatible, NAT64 64:ff9b::/96, 6to4) is judged by that IPv4
 * address; Teredo, site-local and every other special range are internal.
 */
function classify(addr: ipaddr.IPv4 | ipaddr.IPv6): AddressClass {
  if (addr.kind() === "ipv4") {
    const range = addr.range();
    return range === "unicast" ? "public" : range === "loopback" ? "loopback" : "internal";
  }
  const v6 = addr as ipaddr.IPv6;
  const g = v6.parts;
  const range = v6.range();
  if (range === "loopback") return "loopback";
  if (range === "ipv4Mapped") return classify(v6.toIPv4Address());
  if (range === "rfc6145" || range === "rfc6052") return classify(embeddedV4(g[6], g[7]));
  if (range === "6to4") return classify(embeddedV4(g[1], g[2]));
  if (range === "unicast") return g.slice(0, 6).every((x) => x === 0) ? classify(embeddedV4(g[6], g[7])) : "public";
  return "internal";
}

/** What an IP address (v4 dotted, or v6, bracketed or not) is; null when `host` is not an address. */
export function classifyAddress(host: string): AddressClass | null {
  const text = host.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return classify(ipaddr.IPv4.parse(text));
  if (text.includes(":") && ipaddr.IPv6.isValid(text)) return classify(ipaddr.IPv6.parse(text));
  return null;
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
