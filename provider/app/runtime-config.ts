/**
 * The one resolver of runtime settings: which backend to open, whether time is pinned, how long to wait for an
 * order. The CLI (its global options), the Pulumi provider (the stack config `csp-seats:*`) and `portal serve`
 * all call resolveRuntimeConfig. Explicit options win over the stack config, which wins over the environment
 * (`CSP_SEATS_*`). Every mistake is a CspSeatsError with a code and a fix that names where the value came from,
 * so `--now yesterday` and `csp-seats:now: yesterday` fail the same way.
 */
import { EARLIEST_YEAR, isSupportedYear, LATEST_YEAR } from "../core/dates";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkTolerance, parseApprovedPlanFile, parseDigestList, type Approval } from "../core/plan/approval";
import { createFixedClock, type Clock } from "../core/clock";
import { findClosestName } from "../core/closest-name";
import { CspSeatsError } from "../core/errors";
import { readCloudBlueEnv, resolveCloudBlueConfig, type CloudBlueConfig } from "../backends/cloudblue/config";
import { readPax8Env, resolvePax8Config, type Pax8Config } from "../backends/pax8/config";
import { readPartnerCenterEnv, resolvePartnerCenterConfig, type PartnerCenterConfig } from "../backends/partner-center/config";
import type { Portal } from "../backends/portal";
import { BACKEND_KINDS, type BackendConfig, type BackendKind } from "./create-backend";

/** Settings given directly: the CLI's global options, or a library caller's arguments. */
export interface RuntimeOptions {
  readonly backend?: string;
  readonly endpoint?: string;
  readonly token?: string;
  readonly statePath?: string;
  /** ISO-8601 time to pin the clock at. */
  readonly now?: string;
  readonly orderTimeoutSeconds?: string;
  /** A saved plan's path or a digest list `id=sha256:...,...`. */
  readonly approvedPlan?: string;
  readonly approvedPlanTolerance?: string;
  readonly cloudblue?: CloudBlueConfig;
  readonly pax8?: Pax8Config;
  readonly partnerCenter?: PartnerCenterConfig;
}

/** Where settings come from, strongest first. */
export interface RuntimeSources {
  readonly explicit?: RuntimeOptions;
  /** The stack config: `config("now")` reads `csp-seats:now`; undefined or "" when unset. */
  readonly config?: (key: string) => string | undefined;
  readonly env: NodeJS.ProcessEnv;
  /** Relative state paths resolve against it (the project directory for Pulumi, the working directory for the CLI). */
  readonly cwd: string;
}

/** Everything a command or the provider needs to run against a portal. */
export interface RuntimeConfig {
  readonly backend: BackendConfig;
  /** Only when time is pinned (--now, CSP_SEATS_NOW, csp-seats:now); otherwise plans use the portal's own time. */
  readonly pinnedClock?: Clock;
  readonly orderTimeoutMs: number;
  /** Only when csp-seats:approvedPlan / CSP_SEATS_APPROVED_PLAN is set: `up` orders only the approved orders. */
  readonly approvedPlan?: ApprovedPlanSetting;
}

/** The approved-plan setting: a file (`csp-seats plan --save FILE`) or a digest list `id=sha256:...,...`. */
export interface ApprovedPlanSetting {
  /** The absolute path of the file, when the setting names one. */
  readonly path?: string;
  /** The digest list, when the setting is one. */
  readonly digests?: string;
  /** Money may differ by this much (decimal, each subscription's currency); "0.00" by default. */
  readonly tolerance: string;
}

type SettingName = "backend" | "endpoint" | "token" | "statePath" | "now" | "orderTimeoutSeconds" | "approvedPlan" | "approvedPlanTolerance";

/** Each setting's name in the stack config (`csp-seats:<key>`), the environment and on the command line. */
const SETTINGS: Record<SettingName, { readonly env: string; readonly flag?: string }> = {
  backend: { env: "CSP_SEATS_BACKEND", flag: "--backend" },
  endpoint: { env: "CSP_SEATS_ENDPOINT", flag: "--endpoint" },
  token: { env: "CSP_SEATS_TOKEN", flag: "--token" },
  statePath: { env: "CSP_SEATS_STATE", flag: "--state" },
  now: { env: "CSP_SEATS_NOW", flag: "--now" },
  orderTimeoutSeconds: { env: "CSP_SEATS_ORDER_TIMEOUT_SECONDS" },
  approvedPlan: { env: "CSP_SEATS_APPROVED_PLAN" },
  approvedPlanTolerance: { env: "CSP_SEATS_APPROVED_PLAN_TOLERANCE" },
};

const DEFAULT_ORDER_TIMEOUT_SECONDS = 900;

/** A setting's value and where it came from. */
interface FoundSetting {
  readonly name: SettingName;
  readonly value: string;
  readonly origin: "explicit" | "config" | "env";
}

function clean(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function findSetting(sources: RuntimeSources, name: SettingName): FoundSetting | undefined {
  const explicit = clean(sources.explicit?.[name]);
  if (explicit !== undefined) return { name, value: explicit, origin: "explicit" };
  const configured = clean(sources.config?.(name));
  if (configured !== undefined) return { name, value: configured, origin: "config" };
  const fromEnv = clean(sources.env[SETTINGS[name].env]);
  return fromEnv === undefined ? undefined : { name, value: fromEnv, origin: "env" };
}

/** How the user wrote the setting: `--now`, `csp-seats:now` or `CSP_SEATS_NOW`. */
function nameSource(found: FoundSetting): string {
  if (found.origin === "config") return `csp-seats:${found.name}`;
  if (found.origin === "env") return SETTINGS[found.name].env;
  return SETTINGS[found.name].flag ?? found.name;
}

/** How to set the setting to `value` where the user set it. */
function showSetting(found: FoundSetting, value: string): string {
  if (found.origin === "config") return `pulumi config set csp-seats:${found.name} ${value}`;
  if (found.origin === "env") return `${SETTINGS[found.name].env}=${value}`;
  return `${SETTINGS[found.name].flag ?? found.name} ${value}`;
}

/** How to drop the setting where the user set it. */
function showUnset(found: FoundSetting): string {
  if (found.origin === "config") return `remove it (pulumi config rm csp-seats:${found.name})`;
  if (found.origin === "env") return `unset ${SETTINGS[found.name].env}`;
  return `leave out ${SETTINGS[found.name].flag ?? found.name}`;
}

/** The embedded portal's state file when none is configured: `.csp-seats/portal-state.json` under `cwd`. */
export function getDefaultStatePath(cwd: string): string {
  return path.join(cwd, ".csp-seats", "portal-state.json");
}

function resolveBackendKind(found: FoundSetting | undefined, endpoint: FoundSetting | undefined): BackendKind {
  if (found === undefined) return endpoint ? "http" : "embedded";
  if ((BACKEND_KINDS as readonly string[]).includes(found.value)) return found.value as BackendKind;
  const closest = findClosestName(found.value, BACKEND_KINDS);
  throw new CspSeatsError(
    "CONFIG_BACKEND",
    `unknown backend "${found.value}" (${nameSource(found)})`,
    `${closest ? `Did you mean ${showSetting(found, closest)}? ` : ""}The backends are ${BACKEND_KINDS.join(", ")}.`,
  );
}

function checkEndpoint(found: FoundSetting): void {
  let url: URL | undefined;
  try {
    url = new URL(found.value);
  } catch {
    url = undefined;
  }
  if (url && (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "") return;
  // "localhost:8080" parses as a URL with the scheme "localhost:": offer the same address with http:// in front.
  const example = /^[\w.-]+(:\d+)?(\/\S*)?$/.test(found.value) ? `http://${found.value}` : "http://127.0.0.1:8080";
  throw new CspSeatsError(
    "CONFIG_ENDPOINT",
    `${nameSource(found)} "${found.value}" is not an http(s) URL`,
    `Write the scheme too, e.g. ${showSetting(found, example)}`,
  );
}

function resolveCloudBlue(sources: RuntimeSources): CloudBlueConfig {
  const fromEnv = readCloudBlueEnv(sources.env);
  return resolveCloudBlueConfig((key) => clean(sources.config?.(key)) ?? fromEnv(key), { required: true });
}

function resolvePax8(sources: RuntimeSources): Pax8Config {
  const fromEnv = readPax8Env(sources.env);
  return resolvePax8Config((key) => clean(sources.config?.(key)) ?? fromEnv(key));
}

function resolvePartnerCenter(sources: RuntimeSources): PartnerCenterConfig {
  const fromEnv = readPartnerCenterEnv(sources.env);
  return resolvePartnerCenterConfig((key) => clean(sources.config?.(key)) ?? fromEnv(key));
}

/**
 * Resolves the backend alone (see resolveRuntimeConfig): the kind (an endpoint without a backend means `http`),
 * its endpoint, token, state file and, for `cloudblue` and `partner-center`, their settings from the stack config
 * or CSP_SEATS_CLOUDBLUE_* / CSP_SEATS_PARTNER_CENTER_*.
 */
export function resolveBackend(sources: RuntimeSources): BackendConfig {
  const endpoint = findSetting(sources, "endpoint");
  const backend = resolveBackendKind(findSetting(sources, "backend"), endpoint);
  if (backend === "http") {
    if (!endpoint) {
      throw new CspSeatsError("CONFIG_ENDPOINT", "the http backend needs an endpoint", "Set --endpoint (or csp-seats:endpoint, CSP_SEATS_ENDPOINT), e.g. http://127.0.0.1:8080 from `csp-seats portal serve`.");
    }
    checkEndpoint(endpoint);
  }
  const token = findSetting(sources, "token")?.value;
  const statePath = findSetting(sources, "statePath")?.value ?? getDefaultStatePath(sources.cwd);
  const cloudblue = sources.explicit?.cloudblue ?? (backend === "cloudblue" ? resolveCloudBlue(sources) : undefined);
  const pax8 = sources.explicit?.pax8 ?? (backend === "pax8" ? resolvePax8(sources) : undefined);
  const partnerCenter = sources.explicit?.partnerCenter ?? (backend === "partner-center" ? resolvePartnerCenter(sources) : undefined);
  return {
    backend,
    ...(endpoint ? { endpoint: endpoint.value } : {}),
    ...(token ? { token } : {}),
    statePath: path.resolve(sources.cwd, statePath),
    ...(cloudblue ? { cloudblue } : {}),
    ...(pax8 ? { pax8 } : {}),
    ...(partnerCenter ? { partnerCenter } : {}),
  };
}

/**
 * Resolves a BackendConfig from explicit options over the environment (`CSP_SEATS_BACKEND`,
 * `CSP_SEATS_ENDPOINT`, `CSP_SEATS_TOKEN`, `CSP_SEATS_STATE`, `CSP_SEATS_CLOUDBLUE_*`), for library callers.
 */
export function resolveBackendConfig(explicit: Partial<BackendConfig>, env: NodeJS.ProcessEnv, cwd: string): BackendConfig {
  return resolveBackend({ explicit, env, cwd });
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function getDaysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Whether `text` is an ISO-8601 date or date-time whose fields exist (Date would roll 2026-02-30 into March). */
function isIsoTime(text: string): boolean {
  const match = ISO_TIME.exec(text);
  if (!match) return false;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1).map((part) => (part === undefined ? undefined : Number(part))) as number[];
  if (month < 1 || month > 12 || day < 1 || day > getDaysInMonth(year, month)) return false;
  return hour <= 23 && minute <= 59 && second <= 59 && !Number.isNaN(new Date(text).getTime());
}

function resolvePinnedClock(found: FoundSetting | undefined): Clock | undefined {
  if (found === undefined) return undefined;
  if (!isIsoTime(found.value)) {
    throw new CspSeatsError(
      "CONFIG_NOW",
      `${nameSource(found)} "${found.value}" is not an ISO-8601 time`,
      `Write it like ${showSetting(found, "2026-11-26T09:00:00Z")}, or ${showUnset(found)} to use the portal's own time.`,
    );
  }
  const at = new Date(found.value);
  if (!isSupportedYear(at.getUTCFullYear())) {
    throw new CspSeatsError(
      "CONFIG_NOW",
      `${nameSource(found)} "${found.value}" is outside the years ${EARLIEST_YEAR} to ${LATEST_YEAR}`,
      `Pin a time such as ${showSetting(found, "2026-11-26T09:00:00Z")}, or ${showUnset(found)} to use the portal's own time.`,
    );
  }
  return createFixedClock(at.toISOString());
}

function resolveOrderTimeoutMs(found: FoundSetting | undefined): number {
  if (found === undefined) return DEFAULT_ORDER_TIMEOUT_SECONDS * 1000;
  const seconds = Number(found.value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new CspSeatsError(
      "CONFIG_ORDER_TIMEOUT",
      `${nameSource(found)} "${found.value}" is not a positive number`,
      `Set it to the seconds to wait for an order, e.g. ${showSetting(found, String(DEFAULT_ORDER_TIMEOUT_SECONDS))}.`,
    );
  }
  return seconds * 1000;
}

const DIGEST_LIST = /^[^\s=,]+=sha256:/;

function resolveApprovedPlan(sources: RuntimeSources): ApprovedPlanSetting | undefined {
  const found = findSetting(sources, "approvedPlan");
  if (found === undefined) return undefined;
  const tolerance = checkTolerance(findSetting(sources, "approvedPlanTolerance")?.value ?? "0.00");
  // A digest list holds "=sha256:"; "none" approves no order at all (an empty list).
  if (DIGEST_LIST.test(found.value) || found.value === "none") return { digests: found.value, tolerance };
  return { path: path.resolve(sources.cwd, found.value), tolerance };
}

/**
 * Reads the approval the setting names (the file is read here, once per caller). Throws APPROVAL_UNREADABLE
 * for a missing or malformed file or digest list.
 */
export function readApproval(setting: ApprovedPlanSetting): Approval {
  if (setting.path === undefined) return parseDigestList(setting.digests ?? "", setting.tolerance);
  let text: string;
  try {
    text = fs.readFileSync(setting.path, "utf8");
  } catch (error) {
    throw new CspSeatsError(
      "APPROVAL_UNREADABLE",
      `the approved plan ${setting.path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      "Set csp-seats:approvedPlan to the file `csp-seats plan --save FILE` wrote (relative to the project directory), or to the digest list `id=sha256:...,...` from the plan comment.",
    );
  }
  return parseApprovedPlanFile(text, path.basename(setting.path), setting.tolerance);
}

/**
 * Resolves the backend, the pinned clock and the order timeout from `sources` (explicit > stack config >
 * environment). Throws CONFIG_BACKEND, CONFIG_ENDPOINT, CONFIG_CLOUDBLUE, CONFIG_PARTNER_CENTER, CONFIG_NOW or
 * CONFIG_ORDER_TIMEOUT.
 */
export function resolveRuntimeConfig(sources: RuntimeSources): RuntimeConfig {
  const resolved = resolveBackend(sources);
  const pinnedClock = resolvePinnedClock(findSetting(sources, "now"));
  const orderTimeoutMs = resolveOrderTimeoutMs(findSetting(sources, "orderTimeoutSeconds"));
  const approvedPlan = resolveApprovedPlan(sources);
  // Partner Center waits for a 202 inside placeOrder when a scheduled change must follow it: the same one timeout.
  const backend = resolved.partnerCenter ? { ...resolved, partnerCenter: { ...resolved.partnerCenter, orderTimeoutMs } } : resolved;
  return {
    backend,
    ...(pinnedClock ? { pinnedClock } : {}),
    orderTimeoutMs,
    ...(approvedPlan ? { approvedPlan } : {}),
  };
}

/**
 * The clock to plan with against `portal`: a pinned clock as it is; otherwise the portal's own time (the
 * embedded portal runs on from its fixture's `now`; real portals on real time), so that proration and the
 * 168-hour windows are computed at the moment the portal will order at.
 */
export async function resolvePlanningClock(portal: Portal, pinnedClock?: Clock): Promise<Clock> {
  if (pinnedClock) return pinnedClock;
  const offset = (await portal.now()).getTime() - Date.now();
  return { now: () => new Date(Date.now() + offset) };
}
