/**
 * The error-code catalog: every stable code csp-seats reports, with its one-line meaning. Codes are a public
 * interface (scripts match them, docs/formats.md lists them): add codes, never rename them. A code not in the
 * catalog does not compile (`CspSeatsError`'s constructor takes an `ErrorCode`, a finding an `FindingCode`).
 * To add one: insert it in alphabetical order with a one-line meaning.
 */

/** Codes of `CspSeatsError` and of a failed order's `error.code`. */
export const ERROR_CODES = {
  CLOUDBLUE_BAD_AMOUNT: "CloudBlue sent an amount that is not a decimal number (now reported as VENDOR_VALUE_INVALID)",
  CLOUDBLUE_BAD_DATE: "CloudBlue sent a date that is not a date (now reported as VENDOR_VALUE_INVALID)",
  CLOUDBLUE_BAD_RESPONSE: "CloudBlue sent a reply csp-seats cannot read",
  CLOUDBLUE_FORBIDDEN: "the CloudBlue credentials may not do this",
  CLOUDBLUE_MIXED_CURRENCY: "a CloudBlue subscription prices its products in more than one currency",
  CLOUDBLUE_NOT_FOUND: "CloudBlue has no such subscription, order or product",
  CLOUDBLUE_NO_TERM: "a CloudBlue subscription has neither an expiration nor a renewal date",
  CLOUDBLUE_ORDER_CANCELLED: "a CloudBlue order was cancelled (an order's error code)",
  CLOUDBLUE_ORDER_ERROR: "a CloudBlue order failed without a status code (an order's error code)",
  CLOUDBLUE_ORDER_FAILED: "a CloudBlue order failed",
  CLOUDBLUE_ORDER_TIMEOUT: "a CloudBlue order did not complete in time",
  CLOUDBLUE_ORDER_UNCONFIRMED: "the reply to a CloudBlue order was lost and no order with its marker was found",
  CLOUDBLUE_UNMAPPED_DETAIL: "a CloudBlue order detail cannot be attributed to a SKU",
  CONFIG_BACKEND: "the backend setting names no known backend",
  CONFIG_CLOUDBLUE: "the CloudBlue settings are missing or invalid",
  CONFIG_ENDPOINT: "the endpoint setting is missing or not a URL",
  CONFIG_NOW: "the pinned time (csp-seats:now / CSP_SEATS_NOW) is not an ISO-8601 time",
  CONFIG_ORDER_TIMEOUT: "the order timeout is not a positive number of seconds",
  CONFIG_PARTNER_CENTER: "the Partner Center settings are missing or invalid",
  DESIRED_STATE_INVALID: "the desired-state file has located errors",
  DESIRED_STATE_UNREADABLE: "the desired-state file cannot be read",
  GRAPH_BAD_RESPONSE: "Microsoft Graph sent a reply csp-seats cannot read",
  GRAPH_FORBIDDEN: "the Graph credentials may not read subscribed SKUs",
  GRAPH_THROTTLED: "Microsoft Graph is throttling requests",
  GRAPH_UNAUTHORIZED: "the Graph token is missing, expired or invalid",
  HTTP_BAD_REQUEST: "the server refused the request as malformed (HTTP 400)",
  HTTP_BAD_RESPONSE: "the server's reply is not the JSON expected",
  HTTP_CLIENT_ERROR: "the server refused the request (another HTTP 4xx)",
  HTTP_CONFLICT: "the server reported a conflicting change in progress (HTTP 409)",
  HTTP_CONNECTION: "the connection to the server failed",
  HTTP_FORBIDDEN: "the credentials may not do this (HTTP 403)",
  HTTP_INTERNAL: "the request could not be sent (an unexpected client failure)",
  HTTP_NOT_FOUND: "the server has no such resource (HTTP 404)",
  HTTP_PRECONDITION_FAILED: "the resource changed since it was read (HTTP 412)",
  HTTP_SERVER_ERROR: "the server failed to handle the request (HTTP 5xx)",
  HTTP_THROTTLED: "the server is throttling requests (HTTP 429)",
  HTTP_TIMEOUT: "the server did not answer in time",
  HTTP_UNAUTHORIZED: "the token is missing, expired or invalid (HTTP 401)",
  HTTP_UNPROCESSABLE: "the server refused the request data (HTTP 422)",
  MONEY_CURRENCY_MISMATCH: "two amounts in different currencies were combined",
  MONEY_INVALID: "an amount is not a decimal string",
  MONEY_PRECISION: "an amount has more decimals than its currency allows",
  ORDER_TIMEOUT: "an order was still running when the order timeout passed",
  PARTNER_CENTER_APP_ONLY: "a Partner Center call needs App+User auth and only app-only credentials are configured",
  PARTNER_CENTER_BAD_RESPONSE: "Partner Center or its token endpoint sent a reply csp-seats cannot read",
  PARTNER_CENTER_CHANGE_UNCONFIRMED: "the reply to a Partner Center change was lost and a re-read does not show it",
  PARTNER_CENTER_GDAP_ROLE: "the signed-in user lacks the GDAP role Partner Center needs for subscribedskus",
  PARTNER_CENTER_MFA_REQUIRED: "Partner Center refused an App+User token without multi-factor authentication",
  PARTNER_CENTER_PRICE_UNKNOWN: "no price is configured for a Partner Center offer, so a change cannot be priced",
  PARTNER_CENTER_RATE_LIMIT: "the client-side Partner Center rate limit would hold a request too long",
  PARTNER_CENTER_SCHEDULE_LOST: "the seats changed now but the scheduled change at renewal could not be (re-)created",
  PARTNER_CENTER_TOKEN: "the token endpoint refused the Partner Center credentials",
  PARTNER_CENTER_UPDATE_LIMIT: "Partner Center allows no more updates of the subscription (too many updates)",
  PLAN_BLOCKED: "a violation blocks the subscription; nothing was ordered",
  PLAN_MISSING: "no plan was computed for the subscription",
  PLAN_STALE: "the subscription changed since it was planned; nothing was ordered",
  PORTAL_BAD_REQUEST: "the portal refused the request as malformed",
  PORTAL_BELOW_USAGE: "the new count is below the assigned seats",
  PORTAL_CALENDAR_LIMIT: "the embedded portal's calendar cannot reach the time asked (past 9999-12-31, or too many events at once)",
  PORTAL_DECREASE_OUTSIDE_WINDOW: "seats outside their 168-hour window cannot be removed now",
  PORTAL_DUPLICATE_SKU: "an order names the same SKU twice",
  PORTAL_FIXTURE_INVALID: "the embedded portal's fixture file is invalid",
  PORTAL_FIXTURE_NOT_FOUND: "the embedded portal's fixture file does not exist",
  PORTAL_INELIGIBLE: "the subscription cannot take seat changes",
  PORTAL_INTERNAL: "the portal failed unexpectedly",
  PORTAL_LISTEN: "the embedded portal's server cannot listen on the address",
  PORTAL_METHOD_NOT_ALLOWED: "the portal's API has no such method on that path",
  PORTAL_NOT_FOUND: "the portal's API has no such path",
  PORTAL_NOT_SEEDED: "the embedded portal has no state yet",
  PORTAL_ORDER_FAILED: "no line of an order could be applied (an order's error code)",
  PORTAL_ORDER_IN_PROGRESS: "another order for the subscription is still running",
  PORTAL_ORDER_NOT_FOUND: "the portal has no such order",
  PORTAL_ORDER_PARTIALLY_FAILED: "some lines of an order could not be applied (an order's error code)",
  PORTAL_PAYMENT_METHOD_NOT_FOUND: "the payment method is not one of the subscription's",
  PORTAL_QUANTITY_OUT_OF_RANGE: "the count is outside the SKU's allowed range",
  PORTAL_RENEWAL_NEEDS_AUTO_RENEW: "a change at renewal needs auto-renew on",
  PORTAL_SKU_NOT_FOUND: "the subscription carries no such SKU",
  PORTAL_STALE_REVISION: "the subscription changed since the revision the order was made against",
  PORTAL_STATE_CORRUPT: "the embedded portal's state file cannot be read",
  PORTAL_SUBSCRIPTION_NOT_FOUND: "the portal has no such subscription",
  PORTAL_THROTTLED: "the portal is throttling requests",
  PORTAL_UNAUTHORIZED: "the portal token is missing or invalid",
  PORTAL_UNAVAILABLE: "the portal is not available",
  VENDOR_PAGINATION_LIMIT: "a vendor's list ran past the page, item or time bound; nothing was planned",
  VENDOR_PAGINATION_LOOP: "a vendor's list repeated a page token, offset or item instead of advancing",
  VENDOR_VALUE_INVALID: "a vendor sent an impossible value (negative quantity, unknown currency, malformed amount or date)",
} as const;

/** A stable error code from the catalog. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes of plan and drift findings (`PlanFinding.code`), as docs/formats.md lists them. */
export const FINDING_CODES = {
  BELOW_USAGE: "the new count is below the assigned seats and allowBelowUsage is false",
  GUARDRAIL_MAX_CHARGE: "the run would charge more than guardrails.maxCharge",
  GUARDRAIL_MAX_CHARGE_INVALID: "guardrails.maxCharge is not a valid amount in the subscription's currency",
  GUARDRAIL_MAX_DECREASE: "a line would shrink by more than guardrails.maxDecrease",
  GUARDRAIL_MAX_INCREASE: "a line would grow by more than guardrails.maxIncrease",
  IDLE_SEATS: "the desired count leaves seats unassigned",
  INELIGIBLE: "the subscription cannot take changes",
  INVALID_QUANTITY: "the portal refuses the count as malformed",
  NAME_MISMATCH: "the file's name differs from the portal's: a wrong id?",
  OUTSIDE_WINDOW: "seats outside their 168-hour window must go and downgradePolicy is refuse",
  PAYMENT_METHOD_UNKNOWN: "paymentMethod matches no id or label of the subscription",
  QUANTITY_OUT_OF_RANGE: "the count is outside the SKU's min..max",
  RENEWAL_NEEDS_AUTO_RENEW: "a change at renewal, but auto-renew is off",
  SCHEDULED_AT_RENEWAL: "a decrease outside the window is scheduled for the renewal date",
  SCHEDULED_CHANGE_PENDING: "the portal has a scheduled change the file disagrees with",
  SCHEDULE_RECREATED: "a change now wipes the portal's scheduled change at renewal; csp-seats re-creates it",
  UNKNOWN_SKU: "the subscription carries no such SKU",
  UNKNOWN_SUBSCRIPTION: "the portal has no subscription with that id",
  USAGE_SHARED: "assigned seats are counted across subscriptions",
  USAGE_UNKNOWN: "the backend cannot tell assigned seats",
} as const;

/** A stable finding code from the catalog. */
export type FindingCode = keyof typeof FINDING_CODES;

/** Codes of located errors in a desired-state file (`LocatedError.code`), as docs/formats.md lists them. */
export const LOCATED_ERROR_CODES = {
  DUPLICATE_KEY: "a key twice in one mapping",
  DUPLICATE_SUBSCRIPTION: "the same subscription id twice",
  EMPTY_FILE: "nothing in the file",
  FILE_TOO_LARGE: "a file over the size limit, refused before it is read",
  INVALID_SEAT_COUNT: "a seat count that is negative, fractional, too large or not a number",
  SCHEMA_ENUM: "a value not among the allowed ones",
  SCHEMA_PATTERN: "a value not in the expected format",
  SCHEMA_REQUIRED: "a required property is missing",
  SCHEMA_TYPE: "a value of the wrong type",
  SCHEMA_UNKNOWN_PROPERTY: "a property the schema does not know",
  SCHEMA_VIOLATION: "another schema violation",
  TOO_MANY_ERRORS: "how many errors were left out after the first ones",
  YAML_ALIAS_CYCLE: "an alias inside the value it names",
  YAML_ALIAS_LIMIT: "aliases expand the file past the value limit",
  YAML_ALIAS_UNRESOLVED: "an alias with no anchor above it",
  YAML_COMPLEX_KEY: "a list or mapping used as a key",
  YAML_MERGE_INVALID: "a merge key whose value is not a mapping",
  YAML_NUMBER_INEXACT: "a number that cannot be represented exactly",
  YAML_SYNTAX: "not valid YAML",
  YAML_TOO_DEEP: "values nested past the depth limit",
  YAML_UNSUPPORTED_TAG: "a value with a tag such as !!binary",
} as const;

/** A stable located-error code from the catalog. */
export type LocatedErrorCode = keyof typeof LOCATED_ERROR_CODES;

/** Whether `code` is in the error catalog (for codes that arrive from outside, e.g. a remote portal's reply). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}
