/**
 * Microsoft Graph and the identity platform on 127.0.0.1:0, just enough for assigned seats: the
 * client-credentials token endpoint (`POST /{tenant}/oauth2/v2.0/token`) and `GET /v1.0/subscribedSkus`.
 * Every request is checked (form fields, bearer token, only `$select` as a query option, as Microsoft
 * documents) and every subscribedSkus response is validated against schema/graph-subscribedsku.schema.json;
 * mismatches land in `violations`. Faults: 429 with Retry-After, 401 (token revoked).
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { SubscribedSku } from "../../provider/backends/graph/graph-client";

export const GRAPH_SCHEMA_PATH = path.resolve(__dirname, "../../schema/graph-subscribedsku.schema.json");

/** Compiles schema/graph-subscribedsku.schema.json (the whole collection response). */
export function compileSubscribedSkusSchema(): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(fs.readFileSync(GRAPH_SCHEMA_PATH, "utf8")) as object);
}

export interface GraphTestServerOptions {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Full subscribedSku resources (as Microsoft returns them without $select). */
  readonly skus: Record<string, unknown>[];
  readonly tokenTtlSeconds?: number;
}

export interface GraphFault {
  readonly route: "POST token" | "GET subscribedSkus";
  readonly status: number;
  readonly retryAfterSeconds?: number;
  readonly times?: number;
}

/** A hostile subscribedSkus reply: gets the collection the server would send and the query, returns what to send. */
export type GraphTamper = (body: { "@odata.context": string; value: Record<string, unknown>[]; "@odata.nextLink"?: string }, query: Record<string, string>) => unknown;

/** A running Graph test server. */
export class GraphTestServer {
  readonly violations: string[] = [];
  readonly requests: { route: string; status: number; query: Record<string, string>; headers: http.IncomingHttpHeaders }[] = [];
  url = "";
  private readonly options: GraphTestServerOptions;
  private readonly validate: ValidateFunction;
  private readonly server: http.Server;
  private readonly tokens = new Set<string>();
  private faults: (GraphFault & { left: number })[] = [];
  /** When set, subscribedSkus replies pass through it (and are not held to the schema: they are hostile on purpose). */
  tamper: GraphTamper | undefined;
  private sequence = 0;

  constructor(options: GraphTestServerOptions) {
    this.options = options;
    this.validate = compileSubscribedSkusSchema();
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.violations.push(`server error: ${error instanceof Error ? error.message : String(error)}`);
        res.writeHead(500).end();
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  inject(fault: GraphFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Revokes every issued token (the next Graph call gets 401). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  count(route: string): number {
    return this.requests.filter((r) => r.route === route).length;
  }

  private json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.sequence += 1;
    res.writeHead(status, { "content-type": "application/json", "request-id": `graph-${this.sequence}`, ...headers });
    res.end(JSON.stringify(body));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const query = Object.fromEntries(url.searchParams.entries());
    const route = req.method === "POST" && url.pathname === `/${this.options.tenantId}/oauth2/v2.0/token` ? "POST token" : req.method === "GET" && url.pathname === "/v1.0/subscribedSkus" ? "GET subscribedSkus" : `${req.method} ${url.pathname}`;
    const record = (status: number): void => {
      this.requests.push({ route, status, query, headers: req.headers });
    };
    const fault = this.faults.find((f) => f.left > 0 && f.route === route);
    if (fault) {
      fault.left -= 1;
      record(fault.status);
      return this.json(res, fault.status, { error: { code: fault.status === 429 ? "TooManyRequests" : "InjectedFailure", message: "Injected failure" } }, fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {});
    }
    if (route === "POST token") {
      if (!/application\/x-www-form-urlencoded/.test(String(req.headers["content-type"] ?? ""))) this.violations.push("token: content-type is not application/x-www-form-urlencoded");
      const form = new URLSearchParams(text);
      for (const [name, expected] of [
        ["grant_type", "client_credentials"],
        ["scope", "https://graph.microsoft.com/.default"],
        ["client_id", this.options.clientId],
      ] as const) {
        if (form.get(name) !== expected) this.violations.push(`token: ${name} is ${form.get(name)}, expected ${expected}`);
      }
      if (form.get("client_secret") !== this.options.clientSecret) {
        record(401);
        return this.json(res, 401, { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided." });
      }
      this.sequence += 1;
      const token = `graph-token-${this.sequence}`;
      this.tokens.add(token);
      record(200);
      return this.json(res, 200, { token_type: "Bearer", expires_in: this.options.tokenTtlSeconds ?? 3599, ext_expires_in: 3599, access_token: token });
    }
    if (route === "GET subscribedSkus") {
      // $skiptoken is how Microsoft's own @odata.nextLink pages; a client only ever sends it back from a next link.
      for (const name of Object.keys(query)) if (name !== "$select" && name !== "$skiptoken") this.violations.push(`subscribedSkus: query option ${name} is not supported (only $select)`);
      const token = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
      if (!this.tokens.has(token)) {
        record(401);
        return this.json(res, 401, { error: { code: "InvalidAuthenticationToken", message: "Access token has expired or is not yet valid." } });
      }
      const select = query.$select?.split(",").map((s) => s.trim());
      const value = this.options.skus.map((sku) => (select ? Object.fromEntries(Object.entries(sku).filter(([key]) => select.includes(key))) : sku));
      const body = { "@odata.context": `${this.url}/v1.0/$metadata#subscribedSkus`, value };
      if (this.tamper) {
        record(200);
        return this.json(res, 200, this.tamper(structuredClone(body), query));
      }
      if (!this.validate(body)) this.violations.push(`subscribedSkus response: ${(this.validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join("; ")}`);
      record(200);
      return this.json(res, 200, body);
    }
    record(404);
    this.violations.push(`no such Graph route: ${route}`);
    return this.json(res, 404, { error: { code: "ResourceNotFound", message: "Not found" } });
  }
}

/** A subscribedSku as Microsoft returns it. */
export function buildSubscribedSku(input: { skuPartNumber: string; skuId: string; consumedUnits: number; enabled: number; subscriptionIds: string[] }): Record<string, unknown> & SubscribedSku {
  return {
    accountName: "Contoso",
    accountId: "f97aeefc-af85-414d-8ae4-b457f90efc40",
    appliesTo: "User",
    capabilityStatus: "Enabled",
    consumedUnits: input.consumedUnits,
    id: `48a80680-7326-48cd-9935-b556b81d3a4e_${input.skuId}`,
    prepaidUnits: { enabled: input.enabled, lockedOut: 0, suspended: 0, warning: 0 },
    servicePlans: [{ servicePlanId: "8c098270-9dd4-4350-9b30-ba4703f3b36b", servicePlanName: "EXCHANGE_S_STANDARD", provisioningStatus: "Success", appliesTo: "User" }],
    skuId: input.skuId,
    skuPartNumber: input.skuPartNumber,
    subscriptionIds: input.subscriptionIds,
  };
}

export async function startGraphTestServer(options: GraphTestServerOptions): Promise<GraphTestServer> {
  return new GraphTestServer(options).listen();
}
