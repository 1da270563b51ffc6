/**
 * One seeded Pax8 partner (its API on the Pax8 test server) plus the company's Microsoft tenant (the Graph test
 * server), shared by the Pax8 integration, CLI, plugin and e2e tests. Company Contoso has Business Basic (20 and 3
 * seats: the tenant counts 18 assigned for both) and Exchange Online Plan 1 (6 seats), billed monthly on a one-year
 * NCE term renewing 2026-12-01; a trial; and another company's subscription.
 */
import { buildSubscribedSku, startGraphTestServer, type GraphTestServer } from "./graph-test-server";
import { Pax8Contract, startPax8TestServer, type Pax8ProductRecord, type Pax8SubscriptionRecord, type Pax8TestServer } from "./pax8-test-server";
import { secret } from "./dynamic-plugin";

export const PAX8_NOW = "2026-05-12T09:00:00.000Z";
/** Inside the renewal window of 2026-12-01 (it closes 2026-12-08). */
export const PAX8_RENEWAL_WINDOW_NOW = "2026-12-02T09:00:00.000Z";
export const PAX8_CREDENTIALS = { clientId: "pax8-client-id-0f4e1c2b", clientSecret: "pax8-s3cret~value-9a8b7c" };
export const PAX8_GRAPH = { tenantId: "5b3c8f3e-1c1f-4e7a-9d0e-3f1a2b3c4d5e", clientId: "11111111-2222-3333-4444-555555555555", clientSecret: "graph-s3cret-value~pax8" };
export const COMPANY = "7d3c0a52-5a8e-4c4e-9f8a-1b2c3d4e5f60";
export const OTHER_COMPANY = "0c5bd95d-bd33-4bb0-8419-a821c00173dd";
export const PRODUCT = { basic: "4f76b357-9ac1-47fa-9369-feb80a32f87e", exchange: "e91bba5e-a9a3-483f-b036-f80165d410e3" } as const;
export const SUB = {
  basic: "05c587df-9e7d-4ef9-8218-0262198e36c9",
  exchange: "09ac6f1d-c30a-4d03-9882-145a4df71735",
  shared: "e8f372b6-e2aa-4f3c-9baa-b34f31c921e5",
  trial: "d1758c49-f81c-48af-8f30-e7e93adf6acc",
  other: "a95e2d7c-cdcf-4cf9-8c94-34ce71e06fa1",
} as const;
const BASIC_SKU_ID = "3b555118-da6a-4418-894f-7df1e2096870";
const EXCHANGE_SKU_ID = "4b9405b0-7788-4568-add1-99614e613b69";
export const SHARED_USAGE = 18;

function record(id: string, fields: Partial<Pax8SubscriptionRecord> & Pick<Pax8SubscriptionRecord, "productId" | "productName" | "quantity" | "partnerCost">): Pax8SubscriptionRecord {
  return {
    id,
    companyId: COMPANY,
    status: "Active",
    billingTerm: "Monthly",
    price: fields.partnerCost,
    currencyCode: "EUR",
    startDate: "2025-12-01T00:00:00Z",
    billingStart: "2025-12-01",
    createdDate: "2025-12-01T00:00:00Z",
    updatedDate: "2025-12-01T00:00:00Z",
    commitmentTerm: { id: "6b1f2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", term: "1-Year", endDate: "2026-12-01T00:00:00Z" },
    ...fields,
  };
}

export function buildPax8Subscriptions(): Pax8SubscriptionRecord[] {
  return [
    record(SUB.basic, { productId: PRODUCT.basic, productName: "Microsoft 365 Business Basic", vendorSkuId: BASIC_SKU_ID, quantity: 20, partnerCost: "5.60", price: "6.72" }),
    record(SUB.exchange, { productId: PRODUCT.exchange, productName: "Exchange Online (Plan 1)", vendorSkuId: EXCHANGE_SKU_ID, quantity: 6, partnerCost: "3.70", price: "4.44" }),
    record(SUB.shared, { productId: PRODUCT.basic, productName: "Microsoft 365 Business Basic", vendorSkuId: BASIC_SKU_ID, quantity: 3, partnerCost: "5.60" }),
    record(SUB.trial, { productId: PRODUCT.basic, productName: "Microsoft 365 Business Basic", quantity: 25, partnerCost: "0", status: "Trial", billingTerm: "Trial" }),
    record(SUB.other, { companyId: OTHER_COMPANY, productId: PRODUCT.basic, productName: "Microsoft 365 Business Basic", quantity: 4, partnerCost: "5.60" }),
  ];
}

export const PAX8_PRODUCTS: Pax8ProductRecord[] = [
  { id: PRODUCT.basic, name: "Microsoft 365 Business Basic", allowForQuantityDecrease: false, commitmentId: "6b1f2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", term: "1-Year", minQuantity: 1, maxQuantity: 300, partnerBuyRate: "5.60" },
  { id: PRODUCT.exchange, name: "Exchange Online (Plan 1)", allowForQuantityDecrease: false, commitmentId: "6b1f2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", term: "1-Year", minQuantity: 1, maxQuantity: 300, partnerBuyRate: "3.70" },
];

export interface Pax8Fixture {
  readonly pax8: Pax8TestServer;
  readonly graph: GraphTestServer;
  /** The backend's settings by key, as `resolvePax8Config` reads them. */
  readonly settings: Readonly<Record<string, string>>;
  /** `csp-seats:*` keys as Configure gets them (secrets marked). */
  stackConfig(now?: string): Record<string, unknown>;
  /** Plain config and secrets for `pulumi config set`. */
  pulumiConfig(now?: string): { config: Record<string, string>; secrets: Record<string, string> };
  /** The CLI's environment. */
  cliEnv(): Record<string, string>;
  readonly secrets: readonly string[];
  violations(): string[];
  close(): Promise<void>;
}

let contract: Pax8Contract | undefined;

/** Starts the Pax8 and Graph test servers with the seeded partner. */
export async function startPax8Fixture(options: { tokenTtlSeconds?: number } = {}): Promise<Pax8Fixture> {
  contract ??= new Pax8Contract();
  const pax8 = await startPax8TestServer(
    {
      ...PAX8_CREDENTIALS,
      companies: [
        { id: COMPANY, name: "Contoso Ltd" },
        { id: OTHER_COMPANY, name: "Fabrikam Inc" },
      ],
      subscriptions: buildPax8Subscriptions(),
      products: PAX8_PRODUCTS,
      now: new Date(PAX8_NOW),
      ...(options.tokenTtlSeconds !== undefined ? { tokenTtlSeconds: options.tokenTtlSeconds } : {}),
    },
    contract,
  );
  const graph = await startGraphTestServer({
    ...PAX8_GRAPH,
    skus: [
      buildSubscribedSku({ skuPartNumber: "O365_BUSINESS_ESSENTIALS", skuId: BASIC_SKU_ID, consumedUnits: SHARED_USAGE, enabled: 23, subscriptionIds: ["a1d5b7c2-0000-4000-8000-00000000000a", "a1d5b7c2-0000-4000-8000-00000000000b"] }),
      buildSubscribedSku({ skuPartNumber: "EXCHANGESTANDARD", skuId: EXCHANGE_SKU_ID, consumedUnits: 4, enabled: 6, subscriptionIds: ["b2e6c8d3-0000-4000-8000-00000000000a"] }),
    ],
  });
  const settings: Record<string, string> = {
    endpoint: pax8.url,
    clientId: PAX8_CREDENTIALS.clientId,
    clientSecret: PAX8_CREDENTIALS.clientSecret,
    companyId: COMPANY,
    graphTenantId: PAX8_GRAPH.tenantId,
    graphClientId: PAX8_GRAPH.clientId,
    graphClientSecret: PAX8_GRAPH.clientSecret,
    graphEndpoint: graph.url,
    graphTokenEndpoint: graph.url,
  };
  const secretKeys = new Set(["clientId", "clientSecret", "graphClientSecret"]);
  const envName = (key: string): string => `CSP_SEATS_PAX8_${key.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}`;
  return {
    pax8,
    graph,
    settings,
    stackConfig: (now = PAX8_NOW) => ({
      "csp-seats:backend": "pax8",
      ...Object.fromEntries(Object.entries(settings).map(([key, value]) => [`csp-seats:${key}`, secretKeys.has(key) ? secret(value) : value])),
      "csp-seats:now": now,
      "csp-seats:orderTimeoutSeconds": "30",
    }),
    pulumiConfig: (now = PAX8_NOW) => ({
      config: {
        "csp-seats:backend": "pax8",
        ...Object.fromEntries(Object.entries(settings).filter(([key]) => !secretKeys.has(key)).map(([key, value]) => [`csp-seats:${key}`, value])),
        "csp-seats:now": now,
        "csp-seats:orderTimeoutSeconds": "30",
      },
      secrets: Object.fromEntries(Object.entries(settings).filter(([key]) => secretKeys.has(key)).map(([key, value]) => [`csp-seats:${key}`, value])),
    }),
    cliEnv: () => ({ CSP_SEATS_BACKEND: "pax8", ...Object.fromEntries(Object.entries(settings).map(([key, value]) => [envName(key), value])) }),
    secrets: [PAX8_CREDENTIALS.clientId, PAX8_CREDENTIALS.clientSecret, PAX8_GRAPH.clientSecret],
    violations: () => [...pax8.violations, ...graph.violations],
    close: async () => {
      await pax8.close();
      await graph.close();
    },
  };
}
