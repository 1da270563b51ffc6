import { describe, expect, it } from "vitest";
import { assignShard, parseShard, selectShard } from "../../provider/app/fleet/shard";

const names = (n: number, prefix = "tenant-"): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

describe("--shard I/N (rendezvous hashing)", () => {
  it("parses I/N and refuses anything else", () => {
    expect(parseShard("2/3")).toEqual({ index: 2, count: 3 });
    expect(parseShard(" 1 / 1 ")).toEqual({ index: 1, count: 1 });
    for (const bad of ["0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1/1001"]) expect(() => parseShard(bad), bad).toThrow(/is not I\/N/);
  });

  it("puts every tenant in exactly one shard, deterministically, and shards are balanced", () => {
    const tenants = names(600);
    const shards = [1, 2, 3].map((index) => selectShard(tenants, { index, count: 3 }, (t) => t));
    expect(shards.flat().sort()).toEqual([...tenants].sort());
    for (const shard of shards) expect(shard.length).toBeGreaterThan(150);
    expect(tenants.map((t) => assignShard(t, 3))).toEqual(tenants.map((t) => assignShard(t, 3)));
    // A fixed value, so a change of the hash (which would move every tenant between CI runs) fails here.
    expect(["contoso", "fabrikam", "northwind", "tailspin"].map((t) => assignShard(t, 4))).toEqual([2, 2, 3, 3]);
  });

  it("adding a tenant moves no other tenant", () => {
    const before = names(200);
    const after = [...before, "newcomer"];
    expect(before.map((t) => assignShard(t, 5))).toEqual(after.slice(0, -1).map((t) => assignShard(t, 5)));
  });

  it("going from N to N+1 shards moves only the tenants the new shard wins (~1/(N+1))", () => {
    const tenants = names(1000);
    const moved = tenants.filter((t) => assignShard(t, 4) !== assignShard(t, 5));
    expect(moved.every((t) => assignShard(t, 5) === 5)).toBe(true);
    expect(moved.length).toBeGreaterThan(120);
    expect(moved.length).toBeLessThan(280);
  });

  it("one shard of one holds everything", () => {
    expect(selectShard(names(7), { index: 1, count: 1 }, (t) => t)).toEqual(names(7));
  });
});
