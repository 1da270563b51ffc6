import { describe, expect, it } from "vitest";
import { getRejection } from "../helpers/coded-error";
import { collectPages, type Page } from "../../provider/backends/shared/paginate";

const OPTIONS = { vendor: "Acme", list: "GET /things", cursorField: "pageToken" };

/** A page reader over scripted pages, counting calls. */
function script<C extends string | number>(pages: readonly Page<{ id: string }, C>[]) {
  const calls: (C | undefined)[] = [];
  return {
    calls,
    fetch: async (cursor: C | undefined, index: number) => {
      calls.push(cursor);
      return pages[Math.min(index, pages.length - 1)];
    },
  };
}

const item = (id: string) => ({ id });

describe("collectPages ends a list", () => {
  it("on the page without a next cursor, passing each page's cursor to the next read", async () => {
    const pages = script<string>([{ items: [item("a"), item("b")], next: "t1" }, { items: [item("c")], next: "t2" }, { items: [item("d")] }]);
    expect((await collectPages(pages.fetch, OPTIONS)).map((i) => i.id)).toEqual(["a", "b", "c", "d"]);
    expect(pages.calls).toEqual([undefined, "t1", "t2"]);
  });

  it("on an empty page, even when the server offers another token", async () => {
    const pages = script<string>([{ items: [item("a")], next: "t1" }, { items: [], next: "t2" }]);
    expect(await collectPages(pages.fetch, OPTIONS)).toEqual([item("a")]);
    expect(pages.calls).toHaveLength(2);
  });

  it("on an empty-string token, which some servers send on the last page", async () => {
    const pages = script<string>([{ items: [item("a")], next: "" }]);
    expect(await collectPages(pages.fetch, OPTIONS)).toEqual([item("a")]);
  });
});

describe("collectPages refuses a list that does not advance", () => {
  it.each([
    { name: "the same token twice in a row", pages: [{ items: [item("a")], next: "t1" }, { items: [item("b")], next: "t1" }] },
    { name: "an earlier token again", pages: [{ items: [item("a")], next: "t1" }, { items: [item("b")], next: "t2" }, { items: [item("c")], next: "t1" }] },
  ])("$name: VENDOR_PAGINATION_LOOP naming the vendor, the list and the field", async ({ pages }) => {
    const error = await getRejection(collectPages(script<string>(pages).fetch, OPTIONS));
    expect(error.code).toBe("VENDOR_PAGINATION_LOOP");
    expect(error.summary).toContain("Acme GET /things sent pageToken \"t1\"");
    expect(error.details).toMatchObject({ vendor: "Acme", list: "GET /things", field: "pageToken", value: "t1" });
    expect(error.fix).toContain("nothing was planned or ordered");
  });

  it.each([
    { name: "an offset that stays", next: [2, 2] },
    { name: "an offset that goes back", next: [2, 4, 1] },
    { name: "an offset of 0 after the first page", next: [0] },
    { name: "a fractional offset", next: [2.5] },
  ])("numeric cursors must grow: $name", async ({ next }) => {
    const pages = script<number>([...next.map((n, i) => ({ items: [item(`i${i}`)], next: n }))]);
    const error = await getRejection(collectPages(pages.fetch, { ...OPTIONS, cursorField: "offset" }));
    expect(error.code).toBe("VENDOR_PAGINATION_LOOP");
    expect(error.details).toMatchObject({ field: "offset" });
  });

  it("an item that comes back on a later page (the cursor moves, the data does not)", async () => {
    let n = 0;
    const error = await getRejection(collectPages(async () => ({ items: [item("same")], next: `t${++n}`, correlationId: `c-${n}` }), { ...OPTIONS, itemKey: (i) => i.id }));
    expect(error.code).toBe("VENDOR_PAGINATION_LOOP");
    expect(error.summary).toContain("sent item same again on page 2");
    expect(error.correlationId).toBe("c-2");
  });
});

describe("collectPages bounds every listing", () => {
  it("in pages: an endless run of new tokens stops at maxPages", async () => {
    let reads = 0;
    const error = await getRejection(collectPages(async (_c: string | undefined, index) => ((reads += 1), { items: [item(`i${index}`)], next: `t${index}` }), { ...OPTIONS, maxPages: 25 }));
    expect(error.code).toBe("VENDOR_PAGINATION_LIMIT");
    expect(error.summary).toContain("25 pages read and the list has not ended");
    expect(reads).toBe(25);
  });

  it("in items", async () => {
    let n = 0;
    const error = await getRejection(collectPages(async () => ({ items: [item(`a${++n}`), item(`b${n}`)], next: `t${n}` }), { ...OPTIONS, maxItems: 5 }));
    expect(error.code).toBe("VENDOR_PAGINATION_LIMIT");
    expect(error.summary).toContain("over 5 items");
  });

  it("in time, checked before each page on the injected clock", async () => {
    let now = 0;
    let reads = 0;
    const fetch = async (_c: string | undefined, index: number) => {
      reads += 1;
      now += 4_000;
      return { items: [item(`i${index}`)], next: `t${index}` };
    };
    const error = await getRejection(collectPages(fetch, { ...OPTIONS, deadlineMs: 10_000, now: () => now }));
    expect(error.code).toBe("VENDOR_PAGINATION_LIMIT");
    expect(error.summary).toContain("took over 10 s");
    expect(reads).toBe(3);
  });

  it("has defaults: 10,000 pages, 100,000 items, 10 minutes", async () => {
    const { PAGINATION_DEFAULTS } = await import("../../provider/backends/shared/paginate");
    expect(PAGINATION_DEFAULTS).toEqual({ maxPages: 10_000, maxItems: 100_000, deadlineMs: 600_000 });
  });
});
