/**
 * Drives Pulumi's real dynamic-provider plugin (`@pulumi/pulumi/cmd/dynamic-provider`, what
 * `pulumi-resource-pulumi-nodejs` runs) over gRPC, the way the engine does: spawn it with an engine address, read
 * its port from stdout, then call Configure/Check/Diff/Create/Read/Update/Delete with the generated messages.
 * Properties carry `__provider`, the provider text exactly as the program declares it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { decodeObservedSeats, decodeOrderRecord } from "../../provider/core/stored-outputs";
import { ensureBuilt, ROOT } from "./build";

const pulumiRoot = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const grpc: typeof import("@grpc/grpc-js") = require(require.resolve("@grpc/grpc-js", { paths: [pulumiRoot] }));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const providerGrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const providerProto = require("@pulumi/pulumi/proto/provider_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const structProto = require("google-protobuf/google/protobuf/struct_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc");

/** The plugin's entry point, as `pulumi-resource-pulumi-nodejs` starts it. */
export const DYNAMIC_PROVIDER_PLUGIN = path.join(pulumiRoot, "cmd", "dynamic-provider", "index.js");

/** The type token of SubscriptionSeats resources. */
export const SEATS_TYPE = "pulumi-nodejs:dynamic:SubscriptionSeats";

/** A URN for a SubscriptionSeats resource named `name`. */
/**
 * A SubscriptionSeats' outputs as the resource class shows them: the `observed` and `order` records (JSON text in
 * state) decoded and flattened over the rest (`limits`, `usage`, `revision`, `orderId`, `orderStatus`, `charge`,
 * `refund`, `lineResults`, `appliedPlan`).
 */
export function toSeatsView(properties: Record<string, unknown>): Record<string, unknown> {
  return { ...properties, ...decodeObservedSeats(properties), ...decodeOrderRecord(properties) };
}

export function createSeatsUrn(name: string, stack = "test", project = "csp-seats"): string {
  return `urn:pulumi:${stack}::${project}::${SEATS_TYPE}::${name}`;
}

/** Marks a config value as a secret the way the engine sends it. */
export function secret(value: unknown): Record<string, unknown> {
  return { [rpc.specialSigKey]: rpc.specialSecretSig, value };
}

/** Makes sure dist/ is current and node_modules/csp-seats links to this repository (the plugin loads it by name). */
export async function prepareProviderPackage(): Promise<void> {
  await ensureBuilt();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(ROOT, "scripts", "link-self.js")).linkSelf();
}

/**
 * The `__provider` text of SubscriptionSeats as a Pulumi program running dist/index.js declares it (the compiled
 * SUBSCRIPTION_SEATS_PROVIDER_TEXT).
 */
export async function serializeSeatsProvider(): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(ROOT, "dist", "provider", "pulumi", "resource.js")).SUBSCRIPTION_SEATS_PROVIDER_TEXT as string;
}

/**
 * The `__provider` text of the provider object (`subscriptionSeatsProvider`), serialized exactly as
 * `pulumi.dynamic.Resource` does: what a user's own dynamic resource over it stores, and what stacks written
 * before the hand-written text hold.
 */
export async function serializeSeatsProviderObject(): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { subscriptionSeatsProvider: provider } = require(path.join(ROOT, "dist", "provider", "pulumi", "resource.js"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sc = require("@pulumi/pulumi/runtime/closure/serializeClosure");
  const serialized = await sc.serializeFunction(() => provider, { allowSecrets: true });
  return serialized.text as string;
}

export interface CheckResponse {
  readonly inputs: Record<string, unknown>;
  readonly failures: Array<{ property: string; reason: string }>;
}

export interface DiffResponse {
  readonly changes: "none" | "some" | "unknown";
  readonly replaces: string[];
  readonly deleteBeforeReplace: boolean;
  readonly diffs: string[];
  readonly detailedDiff: Record<string, unknown>;
}

export interface DynamicPlugin {
  readonly port: number;
  /** Everything the plugin wrote to stderr so far (the engine shows it to the user). */
  stderr(): string;
  configure(config: Record<string, unknown>): Promise<void>;
  check(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResponse>;
  diff(urn: string, id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<DiffResponse>;
  create(urn: string, properties: Record<string, unknown>): Promise<{ id: string; properties: Record<string, unknown> }>;
  read(urn: string, id: string, properties: Record<string, unknown>): Promise<{ id: string; properties: Record<string, unknown>; inputs?: Record<string, unknown> }>;
  update(urn: string, id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ properties: Record<string, unknown> }>;
  delete(urn: string, id: string, properties: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

function toStruct(value: Record<string, unknown>): unknown {
  // Struct cannot hold undefined; the engine never sends it either.
  return structProto.Struct.fromJavaScript(JSON.parse(JSON.stringify(value)));
}

type Unary = (request: unknown, callback: (error: Error | null, response: any) => void) => void;

/**
 * Spawns the plugin with cwd `cwd` (module paths resolve from there, like the engine's project directory) and
 * connects to it. `env` is the plugin's whole environment.
 */
export async function startDynamicPlugin(options: { engineAddress: string; cwd?: string; env?: NodeJS.ProcessEnv }): Promise<DynamicPlugin> {
  const child: ChildProcess = spawn(process.execPath, [DYNAMIC_PROVIDER_PLUGIN, options.engineAddress], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = "";
    const onData = (chunk: string): void => {
      stdout += chunk;
      const line = stdout.split("\n")[0];
      if (stdout.includes("\n") && /^\d+$/.test(line.trim())) {
        child.stdout!.off("data", onData);
        resolve(Number(line.trim()));
      }
    };
    child.stdout!.setEncoding("utf8").on("data", onData);
    child.once("exit", (code) => reject(new Error(`the dynamic-provider plugin exited (${code}) before printing its port:\n${stderr}`)));
  });
  const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise<T>((resolve, reject) => (client[method] as Unary).call(client, request, (error, response) => (error ? reject(error) : resolve(response as T))));

  return {
    port,
    stderr: () => stderr,
    async configure(config) {
      const request = new providerProto.ConfigureRequest();
      request.setArgs(toStruct(config));
      await call("configure", request);
    },
    async check(urn, olds, news) {
      const request = new providerProto.CheckRequest();
      request.setUrn(urn);
      request.setOlds(toStruct(olds));
      request.setNews(toStruct(news));
      const response = await call<any>("check", request);
      return {
        inputs: response.getInputs()?.toJavaScript() ?? {},
        failures: response.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async diff(urn, id, olds, news) {
      const request = new providerProto.DiffRequest();
      request.setUrn(urn);
      request.setId(id);
      request.setOlds(toStruct(olds));
      request.setNews(toStruct(news));
      const response = await call<any>("diff", request);
      const kinds: Record<number, DiffResponse["changes"]> = {
        [providerProto.DiffResponse.DiffChanges.DIFF_NONE]: "none",
        [providerProto.DiffResponse.DiffChanges.DIFF_SOME]: "some",
        [providerProto.DiffResponse.DiffChanges.DIFF_UNKNOWN]: "unknown",
      };
      const detailedDiff: Record<string, unknown> = {};
      response.getDetaileddiffMap().forEach((value: any, key: string) => (detailedDiff[key] = value.toObject()));
      return {
        changes: kinds[response.getChanges()] ?? "unknown",
        replaces: response.getReplacesList(),
        deleteBeforeReplace: response.getDeletebeforereplace(),
        diffs: response.getDiffsList(),
        detailedDiff,
      };
    },
    async create(urn, properties) {
      const request = new providerProto.CreateRequest();
      request.setUrn(urn);
      request.setProperties(toStruct(properties));
      const response = await call<any>("create", request);
      return { id: response.getId(), properties: response.getProperties()?.toJavaScript() ?? {} };
    },
    async read(urn, id, properties) {
      const request = new providerProto.ReadRequest();
      request.setUrn(urn);
      request.setId(id);
      request.setProperties(toStruct(properties));
      const response = await call<any>("read", request);
      const inputs = response.getInputs()?.toJavaScript();
      return { id: response.getId(), properties: response.getProperties()?.toJavaScript() ?? {}, ...(inputs ? { inputs } : {}) };
    },
    async update(urn, id, olds, news) {
      const request = new providerProto.UpdateRequest();
      request.setUrn(urn);
      request.setId(id);
      request.setOlds(toStruct(olds));
      request.setNews(toStruct(news));
      const response = await call<any>("update", request);
      return { properties: response.getProperties()?.toJavaScript() ?? {} };
    },
    async delete(urn, id, properties) {
      const request = new providerProto.DeleteRequest();
      request.setUrn(urn);
      request.setId(id);
      request.setProperties(toStruct(properties));
      await call("delete", request);
    },
    async close() {
      client.close();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
