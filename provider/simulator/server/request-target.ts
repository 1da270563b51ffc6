/**
 * What the portal server makes of a request before any route sees it: the request target read as a path (Node
 * hands over whatever the request line said, `//`, `http://[` or `*` included) and percent-decoded path segments,
 * and the JSON error reply for a request Node's own HTTP parser refused. Every failure here is the client's: a
 * 4xx with the API's error body, never an exception that could end the server.
 */
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import { CspSeatsError } from "../../core/errors";

/**
 * The path and query of a request target: origin-form (`/path?query`) or absolute-form (`http://host/path`, which
 * an HTTP/1.1 server must accept); undefined for anything else (`*`, a bare word, a URL that does not parse such
 * as `http://[` or a port over 65535). The path is read as a path even when it starts with `//`.
 */
export function parseRequestTarget(target: string): { pathname: string; searchParams: URLSearchParams } | undefined {
  try {
    const url = target.startsWith("/") ? new URL(`http://portal.invalid${target}`) : /^https?:\/\//i.test(target) ? new URL(target) : undefined;
    return url && { pathname: url.pathname, searchParams: url.searchParams };
  } catch {
    return undefined;
  }
}

/** A percent-decoded path parameter; malformed encoding (`%ZZ`, a lone `%`) is the client's mistake. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new CspSeatsError("PORTAL_BAD_REQUEST", `the path segment ${JSON.stringify(segment.slice(0, 100))} is not valid percent-encoding`, "Percent-encode the id as UTF-8 (e.g. encodeURIComponent).", { status: 400 });
  }
}

/** The status Node's own server would send for a parser error. */
export function getClientErrorStatus(error: NodeJS.ErrnoException): number {
  if (error.code === "HPE_HEADER_OVERFLOW") return 431;
  if (error.code === "HPE_CHUNK_EXTENSIONS_OVERFLOW") return 413;
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") return 408;
  return 400;
}

/** A whole HTTP/1.1 reply for a request Node's parser refused, with the API's JSON error body. */
export function formatClientError(error: NodeJS.ErrnoException): string {
  const status = getClientErrorStatus(error);
  const summary =
    status === 431 ? "the request headers are too large" : status === 413 ? "a chunk extension is too large" : status === 408 ? "the request took too long to arrive" : "the request is not valid HTTP/1.1";
  const fix = status === 431 ? "Send fewer or shorter headers (16 KiB in all at most)." : "Send a well-formed HTTP/1.1 request (see schema/portal-openapi.yaml).";
  const body = JSON.stringify({ error: { code: "PORTAL_BAD_REQUEST", summary, fix, details: { parserError: error.code ?? "unknown" } } });
  return [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? "Bad Request"}`,
    "Content-Type: application/json; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Correlation-ID: ${randomUUID()}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}

