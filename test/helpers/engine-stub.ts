/**
 * A minimal Pulumi Engine gRPC service for driving a provider plugin outside the CLI: it accepts `Log` calls and
 * records them (the engine is where a plugin's progress messages go), and answers the root-resource calls.
 * Uses the @grpc/grpc-js and generated stubs that @pulumi/pulumi itself uses.
 */
import * as path from "node:path";

// Resolve grpc-js from @pulumi/pulumi so the server and the generated service definition share one copy.
const pulumiRoot = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const grpc: typeof import("@grpc/grpc-js") = require(require.resolve("@grpc/grpc-js", { paths: [pulumiRoot] }));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const engineGrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const engineProto = require("@pulumi/pulumi/proto/engine_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const emptyProto = require("google-protobuf/google/protobuf/empty_pb");

export type LogSeverity = "debug" | "info" | "warning" | "error";

/** One `Log` call the engine received. */
export interface EngineLogRecord {
  readonly severity: LogSeverity;
  readonly message: string;
  readonly urn: string;
  readonly streamId: number;
  readonly ephemeral: boolean;
}

export interface EngineStub {
  /** `127.0.0.1:<port>`, what a plugin takes as its first argument. */
  readonly address: string;
  /** Every Log call so far, in arrival order. */
  readonly logs: EngineLogRecord[];
  close(): Promise<void>;
}

const SEVERITIES: Record<number, LogSeverity> = {
  [engineProto.LogSeverity.DEBUG]: "debug",
  [engineProto.LogSeverity.INFO]: "info",
  [engineProto.LogSeverity.WARNING]: "warning",
  [engineProto.LogSeverity.ERROR]: "error",
};

type Callback = (error: null, value?: unknown) => void;

/** Starts the stub on 127.0.0.1, on a free port. */
export async function startEngineStub(): Promise<EngineStub> {
  const logs: EngineLogRecord[] = [];
  let rootUrn = "";
  const server = new grpc.Server();
  server.addService(engineGrpc.EngineService, {
    log(call: { request: { getSeverity(): number; getMessage(): string; getUrn(): string; getStreamid(): number; getEphemeral(): boolean } }, callback: Callback) {
      const request = call.request;
      logs.push({
        severity: SEVERITIES[request.getSeverity()] ?? "info",
        message: request.getMessage(),
        urn: request.getUrn(),
        streamId: request.getStreamid(),
        ephemeral: request.getEphemeral(),
      });
      callback(null, new emptyProto.Empty());
    },
    getRootResource(_call: unknown, callback: Callback) {
      const response = new engineProto.GetRootResourceResponse();
      response.setUrn(rootUrn);
      callback(null, response);
    },
    setRootResource(call: { request: { getUrn(): string } }, callback: Callback) {
      rootUrn = call.request.getUrn();
      callback(null, new engineProto.SetRootResourceResponse());
    },
    startDebugging(_call: unknown, callback: Callback) {
      callback(null, new emptyProto.Empty());
    },
    requirePulumiVersion(_call: unknown, callback: Callback) {
      callback(null, new engineProto.RequirePulumiVersionResponse());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    address: `127.0.0.1:${port}`,
    logs,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
