// The read load of `npm run bench`, in a thread of its own. A response is timed when its thread gets
// to it, so a load generator sharing the bench's thread also timed that thread's own pauses (parsing
// polls, sampling memory, autocannon's first-run setup) as server latency: a cold autocannon's first
// two responses measured 11 ms from a server answering in 0.5 ms, and 31 ms more on the busy bench.
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import autocannon from "autocannon";

/** Runs reads in a worker thread. `run` resolves with [sent at (epoch ms), latency ms] per response. */
export function startLoad() {
  const worker = new Worker(new URL(import.meta.url));
  let finish = null;
  worker.on("message", (samples) => finish?.(samples));
  worker.on("error", (err) => {
    console.error(err);
    process.exit(1);
  });
  return {
    run(opts) {
      return new Promise((resolve) => {
        finish = resolve;
        worker.postMessage({ run: opts });
      });
    },
    stop: () => worker.postMessage({ stop: true }),
  };
}

if (!isMainThread) {
  let current = null;
  parentPort.on("message", (msg) => {
    if (msg.stop) return current?.stop();
    const samples = [];
    current = autocannon({ ...msg.run, ignoreCoordinatedOmission: true }, () => parentPort.postMessage(samples));
    current.on("response", (_client, _status, _bytes, ms) => samples.push([performance.timeOrigin + performance.now() - ms, ms]));
  });
}
