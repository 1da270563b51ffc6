/**
 * Progress from inside the dynamic-provider plugin: an engine Log message (the engine prints it under the
 * resource during `pulumi up`), or stderr when running outside the plugin (tests, scripts). The protocol gives
 * create/update no URN, so every message starts with the subscription id instead.
 */
import * as path from "node:path";

interface EngineLogClient {
  log(request: unknown, callback: (error: Error | null) => void): void;
  close(): void;
}

let engineClient: EngineLogClient | null | undefined;

/** The engine address the plugin was started with (`node .../cmd/dynamic-provider <engine>`), if any. */
function findEngineAddress(argv: readonly string[]): string | undefined {
  if (!argv[1] || !/dynamic-provider/.test(argv[1])) return undefined;
  return argv.slice(2).find((arg) => /^[\w.[\]:-]+:\d+$/.test(arg));
}

function getEngineClient(): EngineLogClient | null {
  if (engineClient !== undefined) return engineClient;
  engineClient = null;
  const address = findEngineAddress(process.argv);
  if (!address) return engineClient;
  try {
    // The generated client and grpc-js must be the copies @pulumi/pulumi itself uses.
    const pulumiRoot = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiRoot] }));
    const { EngineClient } = require("@pulumi/pulumi/proto/engine_grpc_pb");
    engineClient = new EngineClient(address, grpc.credentials.createInsecure()) as EngineLogClient;
  } catch {
    engineClient = null;
  }
  return engineClient;
}

/** Reports progress: an engine Log message inside the plugin (shown by `pulumi up`), stderr otherwise. */
export async function reportToEngine(severity: "info" | "warning", message: string): Promise<void> {
  const client = getEngineClient();
  if (client) {
    try {
      const engproto = require("@pulumi/pulumi/proto/engine_pb");
      const request = new engproto.LogRequest();
      request.setSeverity(severity === "info" ? engproto.LogSeverity.INFO : engproto.LogSeverity.WARNING);
      request.setMessage(message);
      request.setUrn("");
      request.setStreamid(0);
      request.setEphemeral(false);
      await new Promise<void>((resolve, reject) => client.log(request, (error) => (error ? reject(error) : resolve())));
      return;
    } catch {
      // The engine went away or refused the message: fall back to stderr, which the engine also shows.
    }
  }
  process.stderr.write(`${severity === "warning" ? "warning: " : ""}${message}\n`);
}
