import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { selectChangedTenants } from "../../provider/app/fleet/changed-files";
import { loadFleetLayout, selectTenants } from "../../provider/app/fleet/fleet-layout";
import { buildTenantStackConfig, isolateTenantEnv } from "../../provider/app/fleet/tenant-config";
import { isCspSeatsError } from "../../provider/core/errors";

let root: string;

async function write(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await fs.writeFile(path.join(root, file), text);
}

async function catchError(promise: Promise<unknown>): Promise<Error & { code?: string; summary?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

beforeEach(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "fleet-layout-")));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe("loadFleetLayout: one sub-folder per tenant", () => {
  it("finds the sub-folders with a seats.yaml, sorted, with tenant.yaml over fleet.yaml's defaults", async () => {
    await write("fleet.yaml", "pulumi:\n  project: acme\n  backendUrl: file://state\ndefaults:\n  backend: http\n  endpoint: https://portal.example\n  token:\n    env: DEFAULT_TOKEN\n");
    await write("zeta/seats.yaml", "subscriptions: []\n");
    await write("alpha/seats.yaml", "subscriptions: []\n");
    await write("alpha/tenant.yaml", "token:\n  env: ALPHA_TOKEN\n");
    await write("notes/readme.md", "not a tenant\n");
    await write(".csp-seats/work/x/seats.yaml", "hidden\n");
    const layout = await loadFleetLayout(root);
    expect(layout.tenants.map((t) => t.name)).toEqual(["alpha", "zeta"]);
    expect(layout.pulumi).toEqual({ backendUrl: `file://${path.join(root, "state")}`, project: "acme", stackPrefix: "", workDir: path.join(root, ".csp-seats", "work") });
    expect(layout.tenants[0].settings).toEqual({ backend: "http", endpoint: "https://portal.example", token: { env: "ALPHA_TOKEN" } });
    expect(layout.tenants[1].settings.token).toEqual({ env: "DEFAULT_TOKEN" });
    expect(layout.tenants[0].files).toEqual([path.join(root, "alpha", "seats.yaml"), path.join(root, "alpha", "tenant.yaml")]);
  });

  it("reports an invalid tenant.yaml with file:line:col on that tenant only; a plain-text token is refused", async () => {
    await write("good/seats.yaml", "subscriptions: []\n");
    await write("bad/seats.yaml", "subscriptions: []\n");
    await write("bad/tenant.yaml", "backend: http\nendpoint: https://x.example\ntoken: hunter2\nbakend: http\n");
    const layout = await loadFleetLayout(root);
    const bad = layout.tenants.find((t) => t.name === "bad")!;
    expect(layout.tenants.find((t) => t.name === "good")!.problems).toEqual([]);
    expect(bad.problems.map((p) => [p.code, p.line, p.path]).sort()).toEqual([
      ["SCHEMA_TYPE", 3, "token"],
      ["SCHEMA_UNKNOWN_PROPERTY", 4, "bakend"],
    ]);
    expect(bad.problems.find((p) => p.path === "token")).toMatchObject({ code: "SCHEMA_TYPE", file: "bad/tenant.yaml", line: 3, col: 8 });
    expect(bad.problems.find((p) => p.path === "token")!.message).toMatch(/secret reference.*never go in files/);
    expect(bad.problems.find((p) => p.code === "SCHEMA_UNKNOWN_PROPERTY")).toMatchObject({ line: 4, col: 1 });
  });

  it("uses the tenants listed in fleet.yaml (seats path relative to the fleet folder) instead of scanning", async () => {
    await write("fleet.yaml", "tenants:\n  contoso:\n    seats: customers/contoso.yaml\n    backend: embedded\n  fabrikam: {}\n");
    await write("customers/contoso.yaml", "subscriptions: []\n");
    await write("other/seats.yaml", "subscriptions: []\n");
    const layout = await loadFleetLayout(root);
    expect(layout.tenants.map((t) => [t.name, path.relative(root, t.seatsFile)])).toEqual([
      ["contoso", path.join("customers", "contoso.yaml")],
      ["fabrikam", path.join("fabrikam", "seats.yaml")],
    ]);
  });

  it("stops on an invalid fleet.yaml, a folder without tenants, or a folder name that cannot be a stack", async () => {
    await write("fleet.yaml", "tenants:\n  Bad Name: {}\n");
    const invalid = await catchError(loadFleetLayout(root));
    expect(isCspSeatsError(invalid) && invalid.code).toBe("FLEET_INVALID");
    expect(invalid.message).toMatch(/fleet\.yaml:2:3: SCHEMA_PATTERN|fleet\.yaml:2:\d+/);
    await fs.rm(path.join(root, "fleet.yaml"));
    expect((await catchError(loadFleetLayout(root))).message).toMatch(/has no tenant/);
    await write("Upper/seats.yaml", "subscriptions: []\n");
    expect((await catchError(loadFleetLayout(root))).message).toMatch(/"Upper" cannot be stack names/);
  });

  it("selects tenants by name and names the known ones for a typo", async () => {
    await write("a/seats.yaml", "subscriptions: []\n");
    await write("b/seats.yaml", "subscriptions: []\n");
    const layout = await loadFleetLayout(root);
    expect(selectTenants(layout, ["b"]).map((t) => t.name)).toEqual(["b"]);
    expect(() => selectTenants(layout, ["c"])).toThrow(/no tenant named "c".*/);
  });

  it("selects the tenants whose files changed; fleet.yaml touches all", async () => {
    await write("fleet.yaml", "defaults: {}\n");
    await write("a/seats.yaml", "subscriptions: []\n");
    await write("b/seats.yaml", "subscriptions: []\n");
    const layout = await loadFleetLayout(root);
    expect(selectChangedTenants(layout, [path.join(root, "b", "seats.yaml"), path.join(root, "README.md")]).map((t) => t.name)).toEqual(["b"]);
    expect(selectChangedTenants(layout, [path.join(root, "fleet.yaml")]).map((t) => t.name)).toEqual(["a", "b"]);
    expect(selectChangedTenants(layout, [])).toEqual([]);
  });
});

describe("buildTenantStackConfig", () => {
  const tenant = (settings: Record<string, unknown>) => ({ name: "t", dir: "/fleet/t", seatsFile: "/fleet/t/seats.yaml", settings: settings as never, files: [], problems: [] });

  it("turns settings into csp-seats:* config, secrets from the environment marked secret, state paths absolute", () => {
    const built = buildTenantStackConfig(tenant({ backend: "http", endpoint: "https://p.example", token: { env: "T_TOKEN" }, now: "2026-05-12T09:00:00Z" }), { T_TOKEN: "s3cret" });
    expect(built.config).toEqual({
      "csp-seats:backend": { value: "http" },
      "csp-seats:endpoint": { value: "https://p.example" },
      "csp-seats:token": { value: "s3cret", secret: true },
      "csp-seats:now": { value: "2026-05-12T09:00:00Z" },
    });
    expect(built.runtime.backend).toMatchObject({ backend: "http", endpoint: "https://p.example", token: "s3cret" });
    expect(buildTenantStackConfig(tenant({ statePath: "portal.json" }), {}).config["csp-seats:statePath"]).toEqual({ value: "/fleet/t/portal.json" });
    expect(buildTenantStackConfig(tenant({}), {}).config["csp-seats:statePath"]).toEqual({ value: "/fleet/t/.csp-seats/portal-state.json" });
    expect(buildTenantStackConfig(tenant({ backend: "http", endpoint: "https://p.example", token: { pulumiSecret: true } }), {}).keptSecrets).toEqual(["csp-seats:token"]);
  });

  it("fails a missing secret variable and a bad setting with their codes, before any stack runs", () => {
    expect(() => buildTenantStackConfig(tenant({ backend: "http", endpoint: "https://p.example", token: { env: "NOPE" } }), {})).toThrow(/NOPE, which is not set/);
    expect(() => buildTenantStackConfig(tenant({ backend: "htp" }), {})).toThrow(/unknown backend "htp" \(csp-seats:backend\)/);
    expect(() => buildTenantStackConfig(tenant({ now: "yesterday" }), {})).toThrow(/csp-seats:now "yesterday"/);
  });

  it("empties the caller's CSP_SEATS_* for the tenant's processes", () => {
    expect(isolateTenantEnv({ CSP_SEATS_TOKEN: "x", CSP_SEATS_BACKEND: "http", PATH: "/bin" })).toEqual({ CSP_SEATS_TOKEN: "", CSP_SEATS_BACKEND: "" });
  });
});
