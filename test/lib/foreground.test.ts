import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { backgroundTurn, MAX_WAIT_MS, requestFinished, requestsInFlight, requestStarted } from "../../src/lib/foreground";
import { api, newAccount } from "../helpers";

describe("API requests go before background work", () => {
  afterEach(() => vi.useRealTimers());

  it("a background turn waits while a request is in flight and goes on when it is answered", async () => {
    vi.useFakeTimers();
    let done = false;
    requestStarted();
    const turn = backgroundTurn().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS - 1);
    expect(done).toBe(false);
    requestFinished();
    await turn;
    expect(done).toBe(true);
  });

  it("a steady stream of requests slows background work but never stops it", async () => {
    vi.useFakeTimers();
    let done = false;
    requestStarted();
    const turn = backgroundTurn().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS);
    expect(done).toBe(true);
    requestFinished();
    await turn;
  });

  it("with nothing in flight a turn only lets queued work run", async () => {
    vi.useFakeTimers();
    let done = false;
    const turn = backgroundTurn().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    await turn;
  });

  it("the API counts a request as in flight until its handler has answered", async () => {
    const { key } = await newAccount();
    const prepare = env.DB.prepare.bind(env.DB);
    const seen: number[] = [];
    const spy = vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => {
      seen.push(requestsInFlight());
      return prepare(sql);
    });
    const res = await api(key, "/v1/account");
    spy.mockRestore();
    expect(res.status).toBe(200);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(requestsInFlight()).toBe(0);
  });
});
