// The read load of `npm run bench`: polling clients, one read every 1000/rate ms, evenly spaced.
//
// Why not autocannon (used before): its rate option lets each connection send its whole quota for
// the second back to back, each read waiting for the last, then idle until the next second. At 40 a
// second on 2 connections, each second's 40 reads went out within its first 260–480 ms (measured):
// bursts, not a trickle, and a read delayed by the one before it.
// Here a read goes out on schedule even while earlier ones wait (open loop), over keep-alive
// connections, so a slow answer delays no later read and needs no coordinated-omission correction.
// loadtest paces its reads too, but a run can only end on a count or a duration, not when the batch
// completes.
//
// It runs in a thread of its own: a response is timed when its thread gets to it, and in the bench's
// thread that also timed the bench's own pauses (parsing polls, sampling memory) as server latency.
import http from "node:http";
import { isMainThread, parentPort, Worker } from "node:worker_threads";

/** `run` resolves, after `stop` or `seconds`, with [sent at (epoch ms), latency ms, status] per read. */
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

function reads({ url, headers, rate, seconds }) {
  const agent = new http.Agent({ keepAlive: true });
  const samples = [];
  const interval = 1000 / rate;
  const start = performance.now();
  let sent = 0;
  let pending = 0;
  let stopped = false;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const settle = () => {
    if (stopped && pending === 0) {
      agent.destroy();
      done(samples);
    }
  };
  const send = () => {
    if (stopped) return;
    const at = performance.now();
    pending++;
    http.get(url, { headers, agent }, (res) => {
      res.resume();
      res.on("end", () => {
        samples.push([performance.timeOrigin + at, performance.now() - at, res.statusCode]);
        pending--;
        settle();
      });
    }).on("error", (err) => {
      // Kept as a sample with status 0, so the bench fails the run instead of leaving the read out.
      console.error(`bench read failed: ${err.message}`);
      samples.push([performance.timeOrigin + at, performance.now() - at, 0]);
      pending--;
      settle();
    });
    sent++;
    // Against the start, not the last send, so a late timer does not shift every later read.
    setTimeout(send, Math.max(0, start + sent * interval - performance.now()));
  };
  send();
  const timer = seconds ? setTimeout(() => stop(), seconds * 1000) : undefined;
  const stop = () => {
    clearTimeout(timer);
    stopped = true;
    settle();
  };
  return { finished, stop };
}

if (!isMainThread) {
  let current = null;
  parentPort.on("message", async (msg) => {
    if (msg.stop) return current?.stop();
    current = reads(msg.run);
    parentPort.postMessage(await current.finished);
  });
}
