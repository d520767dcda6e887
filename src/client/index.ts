// The typed client of this API: openapi-fetch over the types generated from /openapi.json
// (`npm run client`). The end-to-end tests call the service through it, so the document is proven by use.
import createClient from "openapi-fetch";
import type { paths } from "./schema";

export type { paths };

export function batchLabelsClient(opts: { baseUrl: string; key: string; fetch?: typeof fetch }) {
  return createClient<paths>({
    baseUrl: opts.baseUrl, headers: { authorization: `Bearer ${opts.key}` },
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
}
