/**
 * The one loop over a vendor's paged list. A server is never trusted to end its list: the loop stops on the last
 * page or on an empty one, refuses a cursor (page token, offset, next link) that repeats or does not advance and
 * an item that comes back on a later page, and gives up past a page count, an item count or a deadline, each with
 * a coded error that names the vendor, the list and the field and says what to do. Nothing is planned from a
 * list that did not end properly.
 */
import { CspSeatsError } from "../../core/errors";

/** One page as the backend read it. */
export interface Page<T, C extends string | number> {
  readonly items: readonly T[];
  /** The cursor of the next page; undefined (or an empty string) on the last page. */
  readonly next?: C | undefined;
  /** The response's correlation id, carried into an error about this page. */
  readonly correlationId?: string;
}

/** The bounds of one listing; every backend has defaults (PAGINATION_DEFAULTS). */
export interface PaginationLimits {
  /** Pages read at most. Default 10,000. */
  readonly maxPages: number;
  /** Items collected at most. Default 100,000. */
  readonly maxItems: number;
  /** Milliseconds the whole listing may take, checked before each page. Default 10 minutes. */
  readonly deadlineMs: number;
}

/** What `collectPages` needs besides the page reader. */
export interface CollectPagesOptions<T> extends Partial<PaginationLimits> {
  /** The vendor as messages name it: `CloudBlue`, `Microsoft Graph`, `the csp-seats portal API`. */
  readonly vendor: string;
  /** The list: `GET /subscriptions`. */
  readonly list: string;
  /** The cursor's field in the vendor's words: `nextPageToken`, `offset`, `@odata.nextLink`. */
  readonly cursorField: string;
  /** An item's identity (e.g. its id); an identity seen on an earlier page means the list does not advance. */
  readonly itemKey?: (item: T) => string | undefined;
  /** Milliseconds, monotonic. Default `performance.now`. */
  readonly now?: () => number;
}

/** The bounds used when a backend is not told otherwise. */
export const PAGINATION_DEFAULTS: PaginationLimits = { maxPages: 10_000, maxItems: 100_000, deadlineMs: 600_000 };

const REPORT = "This is the portal's data: report it to the portal's operator with the correlation id; nothing was planned or ordered.";

function showCursor(cursor: string | number): string {
  const text = String(cursor);
  return typeof cursor === "number" ? text : `"${text.length > 80 ? `${text.slice(0, 77)}...` : text}"`;
}

/**
 * Reads every page of a list: `fetchPage(cursor, index)` is called with undefined first, then with each page's
 * `next`. Numeric cursors (offsets, the first page being 0) must grow; string cursors must never repeat.
 */
export async function collectPages<T, C extends string | number>(
  fetchPage: (cursor: C | undefined, index: number) => Promise<Page<T, C>>,
  options: CollectPagesOptions<T>,
): Promise<T[]> {
  const { vendor, list, cursorField, itemKey } = options;
  const maxPages = options.maxPages ?? PAGINATION_DEFAULTS.maxPages;
  const maxItems = options.maxItems ?? PAGINATION_DEFAULTS.maxItems;
  const deadlineMs = options.deadlineMs ?? PAGINATION_DEFAULTS.deadlineMs;
  const now = options.now ?? (() => performance.now());
  const started = now();
  const seenCursors = new Set<string | number>();
  const seenItems = new Set<string>();
  const items: T[] = [];
  let cursor: C | undefined;
  for (let index = 0; ; index += 1) {
    if (index >= maxPages) {
      throw new CspSeatsError("VENDOR_PAGINATION_LIMIT", `${vendor} ${list} kept sending pages: ${maxPages} pages read and the list has not ended`, "Narrow the listing (e.g. csp-seats:customerId); if the portal really has that much, report it to the portal's operator. Nothing was planned or ordered.", {
        details: { vendor, list, field: cursorField, pages: index, items: items.length },
      });
    }
    const elapsed = now() - started;
    if (index > 0 && elapsed > deadlineMs) {
      throw new CspSeatsError("VENDOR_PAGINATION_LIMIT", `${vendor} ${list} took over ${Math.round(deadlineMs / 1000)} s to list (${index} pages, ${items.length} items)`, "Try again later or narrow the listing (e.g. csp-seats:customerId); nothing was planned or ordered.", {
        details: { vendor, list, field: cursorField, pages: index, items: items.length, elapsedMs: Math.round(elapsed) },
      });
    }
    const page = await fetchPage(cursor, index);
    const extra = page.correlationId ? { correlationId: page.correlationId } : {};
    for (const item of page.items) {
      const key = itemKey?.(item);
      if (key !== undefined) {
        if (seenItems.has(key)) {
          throw new CspSeatsError("VENDOR_PAGINATION_LOOP", `${vendor} ${list} sent item ${key} again on page ${index + 1}: its ${cursorField} does not advance`, REPORT, { ...extra, details: { vendor, list, field: cursorField, value: cursor ?? null, item: key } });
        }
        seenItems.add(key);
      }
      items.push(item);
      if (items.length > maxItems) {
        throw new CspSeatsError("VENDOR_PAGINATION_LIMIT", `${vendor} ${list} sent over ${maxItems} items`, "Narrow the listing (e.g. csp-seats:customerId); if the portal really has that much, report it to the portal's operator. Nothing was planned or ordered.", {
          ...extra,
          details: { vendor, list, field: cursorField, pages: index + 1, items: items.length },
        });
      }
    }
    const next = page.next;
    if (next === undefined || next === "" || page.items.length === 0) return items;
    if (cursor !== undefined) seenCursors.add(cursor);
    const repeats = seenCursors.has(next) || next === cursor;
    const backwards = typeof next === "number" && (!Number.isSafeInteger(next) || next <= ((cursor as number | undefined) ?? 0));
    if (repeats || backwards) {
      throw new CspSeatsError("VENDOR_PAGINATION_LOOP", `${vendor} ${list} sent ${cursorField} ${showCursor(next)} after ${cursor === undefined ? "the first page" : showCursor(cursor)}: the list does not advance`, REPORT, {
        ...extra,
        details: { vendor, list, field: cursorField, value: next },
      });
    }
    cursor = next;
  }
}
