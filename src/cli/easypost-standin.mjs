// `npm run easypost-standin -- [--port 9555] [--latency-ms 150] [--key EZAK…]`: the tests' stand-in of
// EasyPost's API as a real HTTP server, so `npm run dev` can buy live labels without EasyPost:
//   npm run dev -- --var EASYPOST_BASE_URL:http://127.0.0.1:9555/v2   (and EASYPOST_API_KEY in .dev.vars)
// Node 22 runs the TypeScript module directly (type stripping).
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { EasyPostStandIn } from "../carriers/easypost/standin.ts";

export function startStandIn({ port = 9555, latencyMs = 0, apiKey } = {}) {
  const standIn = new EasyPostStandIn({ latencyMs, apiKey });
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const request = new Request(`http://127.0.0.1:${port}${req.url}`, { method: req.method, headers: req.headers, body: req.method === "GET" ? undefined : body });
    const answer = await standIn.handle(request);
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve({ server, standIn })));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { port: { type: "string", default: "9555" }, "latency-ms": { type: "string", default: "0" }, key: { type: "string" } } });
  await startStandIn({ port: Number(values.port), latencyMs: Number(values["latency-ms"]), apiKey: values.key });
  console.log(`EasyPost stand-in on http://127.0.0.1:${values.port}/v2 (latency ${values["latency-ms"]} ms a call)`);
}
