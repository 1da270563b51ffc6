/**
 * The embedded CSP portal: csp-seats' default backend. It behaves like a Microsoft 365 CSP portal (eligibility,
 * 168-hour reduction windows, daily-prorated charges and refunds, asynchronous orders, scheduled changes applied
 * at renewal, e-mails) with its state in one local JSON file, so the Pulumi program, the dynamic-provider plugin,
 * the CLI and `csp-seats portal serve` all see one portal. Every call is one locked transaction (state-store.ts).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { systemClock, type Clock } from "../core/clock";
import { CspSeatsError } from "../core/errors";
import type { Order, OrderEstimate, OrderRequest, OutboxMessage, PlaceOrderRequest, Subscription } from "../core/model";
import type { FaultRule } from "./faults";
import type { ListOrdersOptions, ListSubscriptionsOptions, Portal } from "../backends/portal";
import { validatePortalFixture, type PortalFixture } from "./fixture";
import {
  advancePortalState,
  createPortalError,
  estimateOrderInState,
  getOrderView,
  getSubscriptionView,
  isPortalStateBehind,
  listOrdersInState,
  listSubscriptionPage,
  placeOrderInState,
  type SubscriptionPage,
  type SubscriptionPageOptions,
} from "./order-engine";
import { matchFaultRoute, takeFaultFromState } from "./faults";
import { copyPortalState, createPortalState, getPortalNow, STATE_VERSION, type PortalState } from "./portal-state";
import { createNotSeededError, deepFreeze, formatStateText, readStateSnapshot, transactState, withStateLock, writeStateFile } from "./state-store";

export type { SubscriptionPage, SubscriptionPageOptions } from "./order-engine";

/** The embedded portal: a Portal plus what its HTTP API and tests need (outbox, faults, paging). */
export interface EmbeddedPortal extends Portal {
  readonly kind: "embedded";
  /** Absolute path of the state file. */
  readonly statePath: string;
  /** E-mails sent (order confirmations and charges notices), oldest first. */
  listOutbox(): Promise<OutboxMessage[]>;
  getFaults(): Promise<FaultRule[]>;
  setFaults(rules: FaultRule[]): Promise<void>;
  /** Counts one use of the first rule matching `METHOD path` (decrementing `times`, removing used-up rules) and returns it. */
  takeFault(method: string, path: string): Promise<FaultRule | undefined>;
  /** placeOrder, telling in the same transaction whether the idempotency key was known (the HTTP API's 200 vs 201). */
  placeOrderOrReplay(request: PlaceOrderRequest): Promise<PlacedOrder>;
  /** One page of subscriptions (page size from the fixture unless given); pass `nextPageToken` back for the next. */
  listSubscriptionsPage(options?: SubscriptionPageOptions): Promise<SubscriptionPage>;
  /** The portal's current time (the injected clock, or the fixture's `now` plus the time elapsed since seeding). */
  now(): Promise<Date>;
}

/** An order as placed, and whether it was placed before under the same idempotency key (a replay). */
export interface PlacedOrder {
  readonly order: Order;
  readonly replayed: boolean;
}

/** Options of openEmbeddedPortal. */
export interface OpenEmbeddedPortalOptions {
  /** The state file (created by seedEmbeddedPortal). */
  readonly statePath: string;
  /** Overrides the portal clock entirely (tests); otherwise see EmbeddedPortal.now. */
  readonly clock?: Clock;
}

/** Options of seedEmbeddedPortal. */
export interface SeedEmbeddedPortalOptions {
  readonly statePath: string;
  readonly fixture: PortalFixture;
  /** The wall clock that stamps the seeding time (default: the system clock). */
  readonly clock?: Clock;
}

function assertCompatible(state: PortalState, statePath: string): void {
  if (state.version !== STATE_VERSION) {
    throw new CspSeatsError(
      "PORTAL_STATE_CORRUPT",
      `the embedded portal state ${statePath} has version ${String(state.version)}, this csp-seats reads version ${STATE_VERSION}`,
      "Re-seed it: run `csp-seats portal seed` (or `npm start`).",
      { status: 500, details: { statePath } },
    );
  }
}

/**
 * Per committed snapshot, the copy last brought up to a later time for a read and that time (or the error that
 * bringing it there raised, such as PORTAL_CALENDAR_LIMIT, which any later time raises too). Reused while time has
 * not moved it on again, so repeated reads of a state that is behind clone and advance it once; always advanced
 * from the snapshot itself, never from an earlier copy, so it is exactly what a write would save. Weak: a
 * snapshot replaced by a newer file takes its copy with it.
 */
const advancedCopies = new WeakMap<PortalState, { readonly atMs: number; readonly state?: PortalState; readonly error?: unknown }>();

/** The state as it is at `now`: the snapshot when nothing is due, else a frozen copy brought up to `now`. */
function getStateAt(snapshot: PortalState, now: Date): PortalState {
  if (!isPortalStateBehind(snapshot, now)) return snapshot;
  const nowMs = now.getTime();
  const cached = advancedCopies.get(snapshot);
  if (cached?.error !== undefined && cached.atMs <= nowMs) throw cached.error;
  if (cached?.state && cached.atMs <= nowMs && !isPortalStateBehind(cached.state, now)) return cached.state;
  const copy = copyPortalState(snapshot);
  try {
    advancePortalState(copy, now);
  } catch (error) {
    advancedCopies.set(snapshot, { atMs: nowMs, error });
    throw error;
  }
  advancedCopies.set(snapshot, { atMs: nowMs, state: deepFreeze(copy) });
  return copy;
}

class FileEmbeddedPortal implements EmbeddedPortal {
  readonly kind = "embedded" as const;
  private closed = false;

  constructor(
    readonly statePath: string,
    private readonly clock: Clock | undefined,
  ) {}

  /**
   * One operation on the state at the portal's time. A write (`readOnly` unset) is a locked transaction: lock,
   * read, bring the state up to now, run `fn`, save if anything changed. A read never writes, whatever the clock
   * says: it answers from the committed snapshot without the lock (the atomic rename makes every read see one
   * complete state), brought up to now on a copy when time has moved it on (getStateAt). Advancing is a function
   * of the state and the time alone, so that answer is what a write at the same time would save. Snapshots are
   * shared and frozen, so the answer is a copy.
   */
  private async transact<T>(fn: (state: PortalState, now: Date) => T, options: { readOnly?: boolean } = {}): Promise<T> {
    if (options.readOnly) {
      const snapshot = await this.readSnapshot();
      const now = getPortalNow(snapshot, systemClock.now(), this.clock);
      return structuredClone(fn(getStateAt(snapshot, now), now));
    }
    this.assertOpen();
    return transactState<PortalState, T>(this.statePath, (state) => {
      assertCompatible(state, this.statePath);
      const now = getPortalNow(state, systemClock.now(), this.clock);
      advancePortalState(state, now);
      return fn(state, now);
    }, { copyForWrite: copyPortalState });
  }

  /** The committed snapshot as stored (shared and frozen: copy what you return from it). */
  private async readSnapshot(): Promise<PortalState> {
    this.assertOpen();
    const snapshot = await readStateSnapshot<PortalState>(this.statePath);
    assertCompatible(snapshot, this.statePath);
    return snapshot;
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new CspSeatsError("PORTAL_UNAVAILABLE", "the embedded portal was closed", "Open it again with openEmbeddedPortal.", { status: 503 });
    }
  }

  listSubscriptions(options: ListSubscriptionsOptions = {}): Promise<Subscription[]> {
    return this.transact((state) => {
      const all: Subscription[] = [];
      let token: string | undefined;
      do {
        const page = listSubscriptionPage(state, { ...options, ...(token !== undefined ? { pageToken: token } : {}) });
        all.push(...page.subscriptions);
        token = page.nextPageToken;
      } while (token !== undefined);
      return all;
    }, { readOnly: true });
  }

  listSubscriptionsPage(options: SubscriptionPageOptions = {}): Promise<SubscriptionPage> {
    return this.transact((state) => listSubscriptionPage(state, options), { readOnly: true });
  }

  getSubscription(id: string): Promise<Subscription> {
    return this.transact((state) => getSubscriptionView(state, id), { readOnly: true });
  }

  estimateOrder(request: OrderRequest): Promise<OrderEstimate> {
    return this.transact((state, now) => estimateOrderInState(state, request, now), { readOnly: true });
  }

  async placeOrder(request: PlaceOrderRequest): Promise<Order> {
    return (await this.placeOrderOrReplay(request)).order;
  }

  placeOrderOrReplay(request: PlaceOrderRequest): Promise<PlacedOrder> {
    return this.transact((state, now) => {
      // Decided inside the one locked transaction, so of concurrent requests with one key exactly one places it.
      const known = state.orders.some((o) => o.order.idempotencyKey === request?.idempotencyKey);
      return { order: placeOrderInState(state, request, now), replayed: known };
    });
  }

  getOrder(id: string): Promise<Order> {
    return this.transact((state) => getOrderView(state, id), { readOnly: true });
  }

  listOrders(options: ListOrdersOptions = {}): Promise<Order[]> {
    return this.transact((state) => listOrdersInState(state, options), { readOnly: true });
  }

  listOutbox(): Promise<OutboxMessage[]> {
    return this.transact((state) => state.outbox.map((m) => ({ ...m })), { readOnly: true });
  }

  async getFaults(): Promise<FaultRule[]> {
    // Time does not change fault rules: answered from the snapshot as stored.
    return (await this.readSnapshot()).faults.map((f) => ({ ...f }));
  }

  async setFaults(rules: FaultRule[]): Promise<void> {
    if (!Array.isArray(rules)) {
      throw createPortalError("PORTAL_BAD_REQUEST", "fault rules must be a list", "Send a JSON array of fault rules (see docs/portal-fixture.md, faults).");
    }
    try {
      // Same rules as a fixture's `faults:`; validating them through the fixture schema keeps one definition.
      validatePortalFixture({ customers: [{ id: "x", name: "x", contactEmail: "x@example.com" }], subscriptions: [], faults: rules }, "faults");
    } catch (error) {
      const messages = ((error as CspSeatsError).details?.messages as string[] | undefined) ?? [String(error)];
      throw createPortalError("PORTAL_BAD_REQUEST", `invalid fault rules: ${messages.join("; ")}`, "See docs/portal-fixture.md (faults) for the fields of a rule.");
    }
    await this.transact((state) => {
      state.faults = rules.map((f) => ({ ...f }));
    });
  }

  /**
   * Faults do not depend on time, so taking one does not advance the state; and when no rule matches (checked on
   * the snapshot, without the lock) nothing is locked or written: a request without a fault stays a pure read.
   */
  async takeFault(method: string, path: string): Promise<FaultRule | undefined> {
    const snapshot = await this.readSnapshot();
    if (!snapshot.faults.some((rule) => matchFaultRoute(rule.route, method, path))) return undefined;
    return transactState<PortalState, FaultRule | undefined>(this.statePath, (state) => {
      assertCompatible(state, this.statePath);
      return takeFaultFromState(state, method, path);
    }, { copyForWrite: copyPortalState });
  }

  async now(): Promise<Date> {
    // The time alone, without bringing the state up to it: a health check answers even for a state that cannot be.
    return getPortalNow(await this.readSnapshot(), systemClock.now(), this.clock);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Opens the embedded portal on an existing state file; a missing one is PORTAL_NOT_SEEDED. */
export async function openEmbeddedPortal(options: OpenEmbeddedPortalOptions): Promise<EmbeddedPortal> {
  const statePath = path.resolve(options.statePath);
  try {
    await fs.access(statePath);
  } catch {
    throw createNotSeededError(statePath);
  }
  return new FileEmbeddedPortal(statePath, options.clock);
}

/**
 * Seeds (or re-seeds) the state file from a fixture, replacing whatever was there; the fixture is validated first.
 * Runs under the state lock so no reader sees a half-seeded portal.
 */
export async function seedEmbeddedPortal(options: SeedEmbeddedPortalOptions): Promise<void> {
  const statePath = path.resolve(options.statePath);
  const fixture = validatePortalFixture(options.fixture);
  const state = createPortalState(fixture, { seededAt: (options.clock ?? systemClock).now(), epoch: randomBytes(3).toString("hex") });
  await fs.mkdir(path.dirname(statePath), { recursive: true });
  await withStateLock(statePath, () => writeStateFile(statePath, formatStateText(state)));
}
