/**
 * The one runtime-config resolver the CLI, the provider and `portal serve` share: which source wins, and the
 * coded error (with the source named and a fix) for every setting a user can get wrong.
 */
import { describe, expect, it } from "vitest";
import { findClosestName, measureEditDistance } from "../../provider/core/closest-name";
import { resolvePlanningClock, resolveRuntimeConfig, type RuntimeSources } from "../../provider/app/runtime-config";
import type { Portal } from "../../provider/backends/portal";

const stack = (values: Record<string, string>) => (key: string) => values[key];

function resolveWith(sources: Partial<RuntimeSources>) {
  return resolveRuntimeConfig({ env: {}, cwd: "/project", ...sources });
}

function catchError(fn: () => unknown): { code?: string; summary?: string; fix?: string } {
  try {
    fn();
  } catch (error) {
    return error as { code?: string; summary?: string; fix?: string };
  }
  throw new Error("expected an error");
}

describe("resolveRuntimeConfig", () => {
  it("defaults to the embedded portal under cwd, the portal's own time and a 900 s order timeout", () => {
    const config = resolveWith({});
    expect(config.backend).toEqual({ backend: "embedded", statePath: "/project/.csp-seats/portal-state.json" });
    expect(config.pinnedClock).toBeUndefined();
    expect(config.orderTimeoutMs).toBe(900_000);
  });

  it.each([
    { reason: "explicit options win over the stack config and the environment", explicit: { now: "2026-01-01T00:00:00Z" }, config: { now: "2026-02-01T00:00:00Z" }, env: { CSP_SEATS_NOW: "2026-03-01T00:00:00Z" }, at: "2026-01-01T00:00:00.000Z" },
    { reason: "the stack config wins over the environment", explicit: {}, config: { now: "2026-02-01T00:00:00Z" }, env: { CSP_SEATS_NOW: "2026-03-01T00:00:00Z" }, at: "2026-02-01T00:00:00.000Z" },
    { reason: "the environment fills what nothing else sets", explicit: {}, config: {}, env: { CSP_SEATS_NOW: "2026-03-01T00:00:00Z" }, at: "2026-03-01T00:00:00.000Z" },
    { reason: "blank values count as unset", explicit: { now: " " }, config: { now: "" }, env: { CSP_SEATS_NOW: "2026-03-01" }, at: "2026-03-01T00:00:00.000Z" },
  ])("$reason", ({ explicit, config, env, at }) => {
    expect(resolveWith({ explicit, config: stack(config), env }).pinnedClock?.now().toISOString()).toBe(at);
  });

  it("resolves each setting on its own: an endpoint from the stack config with a backend from the environment", () => {
    const config = resolveWith({ config: stack({ endpoint: "http://127.0.0.1:9", token: "t" }), env: { CSP_SEATS_STATE: "s.json" } });
    expect(config.backend).toEqual({ backend: "http", endpoint: "http://127.0.0.1:9", token: "t", statePath: "/project/s.json" });
  });

  it.each([
    { value: "yesterday", env: undefined, summary: '--now "yesterday" is not an ISO-8601 time', fix: /--now 2026-11-26T09:00:00Z, or leave out --now/ },
    { value: "2026-13-45", env: "CSP_SEATS_NOW", summary: 'CSP_SEATS_NOW "2026-13-45" is not an ISO-8601 time', fix: /CSP_SEATS_NOW=2026-11-26T09:00:00Z, or unset CSP_SEATS_NOW/ },
    { value: "2026-02-30", env: undefined, summary: '--now "2026-02-30" is not an ISO-8601 time', fix: /2026-11-26T09:00:00Z/ },
    { value: "1", env: undefined, summary: '--now "1" is not an ISO-8601 time', fix: /2026-11-26T09:00:00Z/ },
    { value: "9999-12-31T23:59:59Z", env: undefined, summary: '--now "9999-12-31T23:59:59Z" is outside the years 2000 to 9998', fix: /--now 2026-11-26T09:00:00Z/ },
    { value: "1999-12-31T23:59:59Z", env: undefined, summary: '--now "1999-12-31T23:59:59Z" is outside the years 2000 to 9998', fix: /leave out --now/ },
  ])("refuses the time $value as CONFIG_NOW, naming where it came from", ({ value, env, summary, fix }) => {
    const error = catchError(() => resolveWith(env ? { env: { [env]: value } } : { explicit: { now: value } }));
    expect(error).toMatchObject({ code: "CONFIG_NOW", summary });
    expect(error.fix).toMatch(fix);
  });

  it("accepts an ISO time with an offset and pins the clock at it", () => {
    expect(resolveWith({ explicit: { now: "2026-05-12T11:00:00+02:00" } }).pinnedClock?.now().toISOString()).toBe("2026-05-12T09:00:00.000Z");
  });

  it.each([
    { value: "localhost:8080", fix: "Write the scheme too, e.g. --endpoint http://localhost:8080" },
    { value: "127.0.0.1:8080", fix: "Write the scheme too, e.g. --endpoint http://127.0.0.1:8080" },
    { value: "ftp://portal.example", fix: "Write the scheme too, e.g. --endpoint http://127.0.0.1:8080" },
  ])("refuses the endpoint $value as CONFIG_ENDPOINT with a working example", ({ value, fix }) => {
    expect(catchError(() => resolveWith({ explicit: { endpoint: value } }))).toMatchObject({ code: "CONFIG_ENDPOINT", summary: `--endpoint "${value}" is not an http(s) URL`, fix });
  });

  it("words the endpoint fix for the place it was set", () => {
    expect(catchError(() => resolveWith({ env: { CSP_SEATS_ENDPOINT: "localhost:8080" } })).fix).toContain("CSP_SEATS_ENDPOINT=http://localhost:8080");
    expect(catchError(() => resolveWith({ config: stack({ endpoint: "localhost:8080" }) })).fix).toContain("pulumi config set csp-seats:endpoint http://localhost:8080");
  });

  it("refuses the http backend without an endpoint", () => {
    expect(catchError(() => resolveWith({ explicit: { backend: "http" } }))).toMatchObject({ code: "CONFIG_ENDPOINT", summary: "the http backend needs an endpoint" });
  });

  it.each([
    { value: "nope", fix: "The backends are embedded, http, cloudblue, pax8, partner-center." },
    { value: "htp", fix: "Did you mean --backend http? The backends are embedded, http, cloudblue, pax8, partner-center." },
  ])("refuses the backend $value as CONFIG_BACKEND, naming the valid ones and the closest", ({ value, fix }) => {
    expect(catchError(() => resolveWith({ explicit: { backend: value } }))).toMatchObject({ code: "CONFIG_BACKEND", summary: `unknown backend "${value}" (--backend)`, fix });
  });

  it("refuses the cloudblue backend without its settings, naming every missing key and where to set it", () => {
    const error = catchError(() => resolveWith({ env: { CSP_SEATS_BACKEND: "cloudblue", CSP_SEATS_CLOUDBLUE_ENDPOINT: "https://cb.example/simpleapi" } }));
    expect(error).toMatchObject({ code: "CONFIG_CLOUDBLUE", summary: "the cloudblue backend is missing marketplace, subscriptionKey, username, password" });
    expect(error.fix).toContain("csp-seats:subscriptionKey (or CSP_SEATS_CLOUDBLUE_SUBSCRIPTION_KEY)");
    expect(catchError(() => resolveWith({ explicit: { backend: "cloudblue" } }))).toMatchObject({ code: "CONFIG_CLOUDBLUE", summary: expect.stringContaining("missing endpoint, marketplace") });
  });

  it.each(["0", "-5", "soon"])("refuses the order timeout %s as CONFIG_ORDER_TIMEOUT", (value) => {
    expect(catchError(() => resolveWith({ config: stack({ orderTimeoutSeconds: value }) }))).toMatchObject({
      code: "CONFIG_ORDER_TIMEOUT",
      summary: `csp-seats:orderTimeoutSeconds "${value}" is not a positive number`,
    });
  });

  it("reads the order timeout in seconds", () => {
    expect(resolveWith({ env: { CSP_SEATS_ORDER_TIMEOUT_SECONDS: "1.5" } }).orderTimeoutMs).toBe(1500);
  });
});

describe("resolvePlanningClock", () => {
  const portal = (iso: string) => ({ now: async () => new Date(iso) }) as unknown as Portal;

  it("keeps a pinned clock as it is", async () => {
    const pinned = { now: () => new Date("2026-05-12T09:00:00Z") };
    expect(await resolvePlanningClock(portal("2030-01-01T00:00:00Z"), pinned)).toBe(pinned);
  });

  it("otherwise runs on the portal's own time", async () => {
    const clock = await resolvePlanningClock(portal("2030-01-01T00:00:00Z"));
    expect(Math.abs(clock.now().getTime() - Date.parse("2030-01-01T00:00:00Z"))).toBeLessThan(5_000);
  });
});

describe("findClosestName", () => {
  it.each([
    { input: "formt", expected: "format" },
    { input: "nwo", expected: "now" },
    { input: "out", expected: "output-dir" },
    { input: "zzz", expected: undefined },
    { input: "HTP", expected: "http" },
  ])("$input -> $expected", ({ input, expected }) => {
    expect(findClosestName(input, ["format", "now", "output-dir", "http", "desired"])).toBe(expected);
  });

  it("counts a swap of neighbours as one edit", () => {
    expect(measureEditDistance("nwo", "now")).toBe(1);
    expect(measureEditDistance("kitten", "sitting")).toBe(3);
  });
});
