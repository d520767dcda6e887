// `BENCH_PROFILE=file npm run bench`: workerd's CPU profile (the V8 inspector's sampling profiler)
// over the largest batch, written to `file` (open it in Chrome's DevTools), and the functions that
// took the most of it printed. The inspector slows the run; figures of a profiled run are not kept.
import { writeFileSync } from "node:fs";
import WebSocket from "ws";

export async function startProfile(inspectorPort) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => { ws.on("open", resolve); ws.on("error", reject); });
  let id = 0;
  const pending = new Map();
  ws.on("message", (m) => {
    const d = JSON.parse(m);
    pending.get(d.id)?.(d.result);
    pending.delete(d.id);
  });
  const send = (method, params = {}) => new Promise((resolve) => { pending.set(++id, resolve); ws.send(JSON.stringify({ id, method, params })); });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 500 });
  await send("Profiler.start");
  return async (file) => {
    const { profile } = await send("Profiler.stop");
    ws.close();
    writeFileSync(file, JSON.stringify(profile));
    return topSelfTime(profile);
  };
}

/** Self time by function, largest first: where the thread was when sampled. */
export function topSelfTime(profile, n = 25) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  profile.samples.forEach((sample, i) => {
    const f = byId.get(sample).callFrame;
    const key = `${f.functionName || "(anonymous)"}${f.lineNumber >= 0 ? ` :${f.lineNumber + 1}` : ""}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({ name, ms: Math.round(us / 1000) }));
}
