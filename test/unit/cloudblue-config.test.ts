import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { getCloudBlueEnvName, parseSkuMap, readCloudBlueEnv, resolveCloudBlueConfig } from "../../provider/backends/cloudblue/config";
import { resolveBackendConfig } from "../../provider/app/runtime-config";

const BASE = { endpoint: "https://simpleapi.example/1.15", marketplace: "us", subscriptionKey: "sk", username: "u", password: "p" };
const from = (values: Record<string, string>) => (key: string) => values[key];

describe("resolveCloudBlueConfig", () => {
  it("returns undefined when nothing CloudBlue-specific is set", () => {
    expect(resolveCloudBlueConfig(from({}))).toBeUndefined();
  });

  it("reads the required keys, the customer, Graph and the sku map", () => {
    const config = resolveCloudBlueConfig(from({ ...BASE, customerId: "1000001", graphTenantId: "t", graphClientId: "c", graphClientSecret: "s", skuMap: '{"MPN-1":"O365_BUSINESS_ESSENTIALS"}' }));
    expect(config).toEqual({ ...BASE, customerId: "1000001", graph: { tenantId: "t", clientId: "c", clientSecret: "s" }, skuMap: { "MPN-1": "O365_BUSINESS_ESSENTIALS" } });
  });

  it.each([
    { values: { endpoint: BASE.endpoint }, message: /missing marketplace, subscriptionKey, username, password/, reason: "partial settings name every missing key" },
    { values: { ...BASE, endpoint: "ftp://x" }, message: /not an http\(s\) URL/, reason: "endpoint must be http(s)" },
    { values: { ...BASE, customerId: "1", graphTenantId: "t" }, message: /missing graphClientId, graphClientSecret/, reason: "Graph settings are all or nothing" },
    { values: { ...BASE, graphTenantId: "t", graphClientId: "c", graphClientSecret: "s" }, message: /needs csp-seats:customerId/, reason: "one tenant's usage must not leak to other customers" },
    { values: { ...BASE, skuMap: "{oops" }, message: /not valid JSON/, reason: "bad JSON sku map" },
  ])("refuses: $reason", ({ values, message }) => {
    expect(() => resolveCloudBlueConfig(from(values as Record<string, string>))).toThrow(message);
  });
});

describe("sku map and environment", () => {
  it("parses mpn=SKU pairs as well as JSON", () => {
    expect(parseSkuMap("A-1=O365_BUSINESS_ESSENTIALS, B-2=EXCHANGESTANDARD")).toEqual({ "A-1": "O365_BUSINESS_ESSENTIALS", "B-2": "EXCHANGESTANDARD" });
  });

  it("names environment variables CSP_SEATS_CLOUDBLUE_*", () => {
    expect(getCloudBlueEnvName("subscriptionKey")).toBe("CSP_SEATS_CLOUDBLUE_SUBSCRIPTION_KEY");
    expect(getCloudBlueEnvName("graphClientSecret")).toBe("CSP_SEATS_CLOUDBLUE_GRAPH_CLIENT_SECRET");
    expect(readCloudBlueEnv({ CSP_SEATS_CLOUDBLUE_SKU_MAP: " a=b " })("skuMap")).toBe("a=b");
  });

  it("lets the CLI pick the cloudblue settings up from the environment", () => {
    const env = {
      CSP_SEATS_BACKEND: "cloudblue",
      CSP_SEATS_CLOUDBLUE_ENDPOINT: BASE.endpoint,
      CSP_SEATS_CLOUDBLUE_MARKETPLACE: "us",
      CSP_SEATS_CLOUDBLUE_SUBSCRIPTION_KEY: "sk",
      CSP_SEATS_CLOUDBLUE_USERNAME: "u",
      CSP_SEATS_CLOUDBLUE_PASSWORD: "p",
    };
    expect(resolveBackendConfig({}, env, "/tmp").cloudblue).toEqual(BASE);
    // Explicit settings win, and other backends never read the CloudBlue variables.
    expect(resolveBackendConfig({ cloudblue: { ...BASE, marketplace: "eu" } }, env, "/tmp").cloudblue?.marketplace).toBe("eu");
    expect(resolveBackendConfig({ backend: "embedded" }, env, "/tmp").cloudblue).toBeUndefined();
  });
});

describe("examples/cloudblue/Pulumi.cloudblue.yaml", () => {
  it("resolves to a complete configuration once the secrets are set", () => {
    const file = parseYaml(fs.readFileSync(path.resolve(__dirname, "../../examples/cloudblue/Pulumi.cloudblue.yaml"), "utf8")) as { config: Record<string, unknown> };
    const secrets: Record<string, string> = { password: "p", subscriptionKey: "sk", graphClientSecret: "gs" };
    // Pulumi hands object values to the program as JSON text, which is what the provider passes on.
    const get = (key: string) => {
      const value = file.config[`csp-seats:${key}`];
      return secrets[key] ?? (value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value));
    };
    expect(get("backend")).toBe("cloudblue");
    const config = resolveCloudBlueConfig(get);
    expect(config).toMatchObject({ marketplace: "us", customerId: "1000001", graph: { clientSecret: "gs" } });
    expect(Object.values(config?.skuMap ?? {})).toContain("O365_BUSINESS_ESSENTIALS");
  });
});
