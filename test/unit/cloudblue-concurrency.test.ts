/**
 * CloudBlue's bound on requests in flight: the shared limiter (backends/shared/concurrency.ts) and the
 * csp-seats:concurrency key (a whole number 1..64, default 8, CONFIG_CLOUDBLUE otherwise).
 */
import { describe, expect, it } from "vitest";
import { createLimiter } from "../../provider/backends/shared/concurrency";
import { DEFAULT_CLOUDBLUE_CONCURRENCY, getCloudBlueEnvName, readCloudBlueEnv, resolveCloudBlueConfig } from "../../provider/backends/cloudblue/config";
import { getCloudBlueShared } from "../../provider/backends/cloudblue/cloudblue-session";

const BASE = { endpoint: "https://simpleapi.example/1.15", marketplace: "us", subscriptionKey: "sk", username: "u", password: "p" };
const from = (values: Record<string, string>) => (key: string) => values[key];

describe("createLimiter", () => {
  it("runs at most `limit` tasks at once, whoever starts them, and every task to the end in arrival order", async () => {
    const limiter = createLimiter(3);
    let active = 0;
    let most = 0;
    const started: number[] = [];
    const gates: Array<() => void> = [];
    const tasks = Array.from({ length: 10 }, (_, i) =>
      limiter.run(async () => {
        started.push(i);
        active += 1;
        most = Math.max(most, active);
        await new Promise<void>((resolve) => gates.push(resolve));
        active -= 1;
        return i;
      }),
    );
    // Release the running tasks one at a time, whenever one is waiting on its gate.
    while (started.length < 10 || gates.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(active).toBeLessThanOrEqual(3);
      gates.shift()?.();
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("frees the slot of a task that fails", async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await limiter.run(async () => "next")).toBe("next");
  });

  it("refuses a limit that is not a whole number of at least 1", () => {
    expect(() => createLimiter(0)).toThrow(RangeError);
    expect(() => createLimiter(2.5)).toThrow(RangeError);
  });
});

describe("csp-seats:concurrency (CloudBlue)", () => {
  it("is read from the stack config or CSP_SEATS_CLOUDBLUE_CONCURRENCY", () => {
    expect(resolveCloudBlueConfig(from({ ...BASE, concurrency: "3" }))).toEqual({ ...BASE, concurrency: 3 });
    expect(getCloudBlueEnvName("concurrency")).toBe("CSP_SEATS_CLOUDBLUE_CONCURRENCY");
    expect(readCloudBlueEnv({ CSP_SEATS_CLOUDBLUE_CONCURRENCY: "64" })("concurrency")).toBe("64");
    expect(resolveCloudBlueConfig(from({ ...BASE, concurrency: " 64 " }))?.concurrency).toBe(64);
  });

  it.each(["0", "65", "2.5", "-1", "eight", "1e1"])("refuses %s with CONFIG_CLOUDBLUE", (value) => {
    expect(() => resolveCloudBlueConfig(from({ ...BASE, concurrency: value }))).toThrow(expect.objectContaining({ code: "CONFIG_CLOUDBLUE", message: expect.stringContaining(`the cloudblue concurrency "${value}" is not a whole number from 1 to 64`) }));
  });

  it("defaults to 8, one limiter per config object (one command's portals share it)", () => {
    const config = resolveCloudBlueConfig(from(BASE))!;
    expect(getCloudBlueShared(config).limiter.limit).toBe(DEFAULT_CLOUDBLUE_CONCURRENCY);
    expect(DEFAULT_CLOUDBLUE_CONCURRENCY).toBe(8);
    expect(getCloudBlueShared(config)).toBe(getCloudBlueShared(config));
    expect(getCloudBlueShared({ ...config, concurrency: 3 }).limiter.limit).toBe(3);
  });
});
