import { describe, expect, it } from "vitest";
import { CspSeatsError } from "../../provider/core/errors";
import { createHttpRetryPolicy, getBackoffDelay, isTransientHttpError, parseRetryAfter, retry, type RetryInfo } from "../../provider/backends/shared/retry";

const SETTINGS = { retries: 3, minRetryDelayMs: 100, maxRetryDelayMs: 1_000, maxRetryAfterMs: 5_000 };

function httpError(status: number, retryAfterMs?: number): CspSeatsError {
  return new CspSeatsError(status === 429 ? "HTTP_THROTTLED" : status >= 500 ? "HTTP_SERVER_ERROR" : "HTTP_CLIENT_ERROR", `HTTP ${status}`, "Retry.", {
    status,
    ...(retryAfterMs !== undefined ? { details: { retryAfterMs } } : {}),
  });
}

/** Fails with `failures` in turn, then resolves "ok"; records the attempts. */
function flaky(failures: unknown[]): { run: (attempt: number) => Promise<string>; attempts: number[] } {
  const attempts: number[] = [];
  return {
    attempts,
    run: async (attempt) => {
      attempts.push(attempt);
      if (attempts.length <= failures.length) throw failures[attempts.length - 1];
      return "ok";
    },
  };
}

describe("retry (on p-retry)", () => {
  it("retries a safe request on 429 and 5xx, waiting at least the server's Retry-After", async () => {
    const sleeps: number[] = [];
    const retries: RetryInfo[] = [];
    const { run, attempts } = flaky([httpError(503), httpError(429, 2_000)]);
    const policy = createHttpRetryPolicy({ ...SETTINGS, sleep: async (ms) => void sleeps.push(ms), onRetry: (info) => retries.push(info) }, true);
    expect(await retry(run, policy)).toBe("ok");
    expect(attempts).toEqual([1, 2, 3]);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBe(2_000);
    expect(retries.map((r) => [r.attempt, r.retriesLeft])).toEqual([
      [1, 2],
      [2, 1],
    ]);
  });

  it("never repeats a request that is not safe to repeat, nor a 4xx", async () => {
    const sleeps: number[] = [];
    const unsafe = flaky([httpError(500)]);
    await expect(retry(unsafe.run, createHttpRetryPolicy({ ...SETTINGS, sleep: async (ms) => void sleeps.push(ms) }, false))).rejects.toMatchObject({ status: 500 });
    const refused = flaky([httpError(422)]);
    await expect(retry(refused.run, createHttpRetryPolicy({ ...SETTINGS, sleep: async (ms) => void sleeps.push(ms) }, true))).rejects.toMatchObject({ status: 422 });
    expect([unsafe.attempts, refused.attempts, sleeps]).toEqual([[1], [1], []]);
  });

  it("stops after `retries` with the last failure, without waiting after the last attempt", async () => {
    const sleeps: number[] = [];
    const { run, attempts } = flaky([httpError(503), httpError(503), httpError(503), httpError(503, 1)]);
    await expect(retry(run, createHttpRetryPolicy({ ...SETTINGS, sleep: async (ms) => void sleeps.push(ms) }, true))).rejects.toMatchObject({ status: 503 });
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(sleeps).toHaveLength(3);
  });

  it("passes non-Errors and TypeErrors to the policy and rethrows them unchanged", async () => {
    const typeError = new TypeError("not a network error");
    const seen: unknown[] = [];
    const { run } = flaky(["a string", typeError]);
    const error = await retry(run, { retries: 5, shouldRetry: (e) => (seen.push(e), e === "a string"), getDelayMs: () => 0, sleep: async () => {} }).catch((e: unknown) => e);
    expect(error).toBe(typeError);
    expect(seen).toEqual(["a string", typeError]);
  });

  it("stops with the signal's reason when aborted while waiting", async () => {
    const controller = new AbortController();
    const reason = new Error("cancelled by the user");
    const { run, attempts } = flaky([httpError(503), httpError(503)]);
    const outcome = retry(run, {
      ...createHttpRetryPolicy({ ...SETTINGS, minRetryDelayMs: 60_000, maxRetryDelayMs: 60_000, signal: controller.signal }, true),
      getDelayMs: () => 60_000,
    });
    setTimeout(() => controller.abort(reason), 20);
    await expect(outcome).rejects.toBe(reason);
    expect(attempts).toEqual([1]);
  });
});

describe("the HTTP retry policy's pieces", () => {
  it("backs off exponentially up to the ceiling, jittered, never below a capped Retry-After", () => {
    expect([1, 2, 3, 6].map((attempt) => getBackoffDelay(attempt, { minMs: 200, maxMs: 5_000, jitter: "none" }))).toEqual([200, 400, 800, 5_000]);
    for (let i = 0; i < 50; i += 1) expect(getBackoffDelay(3, { minMs: 100, maxMs: 1_000, jitter: "full" })).toBeLessThanOrEqual(400);
    expect(getBackoffDelay(1, { minMs: 100, maxMs: 1_000, jitter: "full" }, { ms: 7_000, maxMs: 3_000 })).toBe(3_000);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-05-12T09:00:00Z");
    expect(parseRetryAfter("7", now)).toBe(7_000);
    expect(parseRetryAfter("Tue, 12 May 2026 09:00:30 GMT", now)).toBe(30_000);
    expect([parseRetryAfter(undefined, now), parseRetryAfter("soon", now)]).toEqual([undefined, undefined]);
  });

  it("counts connection failures, timeouts, 429 and 5xx as transient, and nothing else", () => {
    expect([httpError(429), httpError(500), httpError(503), new CspSeatsError("HTTP_CONNECTION", "reset", "Retry.")].map(isTransientHttpError)).toEqual([true, true, true, true]);
    expect([httpError(400), httpError(409), new Error("plain")].map(isTransientHttpError)).toEqual([false, false, false]);
  });
});
