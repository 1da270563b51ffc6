/**
 * The JSON forms of plans and drift reports: the documented interface other tools parse (docs/formats.md).
 * Each document names its kind and format version; fields are only ever added.
 */
import type { DriftReport } from "../core/drift";
import type { Plan } from "../core/plan/types";

/** Identifies a plan document. */
export const PLAN_JSON_KIND = "csp-seats/plan";
/** Identifies a drift document. */
export const DRIFT_JSON_KIND = "csp-seats/drift";
/** Bumped only for an incompatible change (never so far). */
export const JSON_FORMAT_VERSION = 1;

/** `plan` as a JSON document (two-space indented, newline-terminated). */
export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify({ kind: PLAN_JSON_KIND, formatVersion: JSON_FORMAT_VERSION, ...plan }, null, 2)}\n`;
}

/** `report` as a JSON document (two-space indented, newline-terminated). */
export function renderDriftJson(report: DriftReport): string {
  return `${JSON.stringify({ kind: DRIFT_JSON_KIND, formatVersion: JSON_FORMAT_VERSION, ...report }, null, 2)}\n`;
}
