import { describe, expect, it } from "vitest";
import type { ChannelMessage } from "#shared/domain/channel-message.ts";
import { ClaimBusyError, deliver, type DeliverDependencies } from "#shared/workflows/deliver.ts";
import type { DeliveryEvent } from "#shared/domain/delivery-event.ts";
import type { Preferences } from "#shared/domain/preferences.ts";
import { TransientProviderError, type SendResult } from "#shared/adapters/providers/provider.ts";
import type { ClaimResult } from "#shared/adapters/stores/dedup-claims.ts";
import { builtInTemplates } from "#shared/domain/templates/registry.ts";

const NOW = Date.parse("2026-11-23T10:00:00Z");
const message: ChannelMessage = { version: 1, notificationId: "n-1", type: "order.shipped", category: "transactional", userId: "ada", channels: ["email"], data: { orderId: "A-1" }, priority: "normal", publishedAt: "2026-11-23T09:59:00Z" };
const receipt = { attempt: 2, messageId: "m-1" };

/** An email worker's dependencies, each a fake that records what deliver() asked of it. */
function worker({ preferences = { email: "ada@example.com" }, claim = { kind: "claimed", token: "t-1" }, send = async () => ({ ok: true, providerMessageId: "ses-1" }), canceled = false }: {
  preferences?: Preferences;
  canceled?: boolean;
  claim?: ClaimResult;
  send?: () => Promise<SendResult>;
} = {}) {
  const calls = { sent: 0, completed: [] as DeliveryEvent[], released: [] as string[], held: [] as number[], published: [] as DeliveryEvent[], followedUp: [] as ChannelMessage[] };
  const dependencies: DeliverDependencies = {
    channel: "email",
    templates: builtInTemplates,
    preferences: { get: async () => preferences },
    claims: {
      claim: async () => claim,
      complete: async (_key, _token, outcome) => void calls.completed.push(outcome),
      release: async (_key, token) => void calls.released.push(token),
      isCanceled: async () => canceled,
    },
    deferred: { hold: async (_message, _channel, dueAt) => void calls.held.push(dueAt) },
    followUps: { publish: async (messages) => void calls.followedUp.push(...messages) },
    provider: {
      name: "ses",
      send: async () => {
        calls.sent++;
        return send();
      },
    },
    events: { publish: async (events) => void calls.published.push(...events) },
    now: () => NOW,
    newToken: () => "t-1",
  };
  return { dependencies, calls };
}

describe("deliver, one channel's delivery of one message", () => {
  it("sends, marks the claim with the outcome and puts it on the stream as recorded", async () => {
    const { dependencies, calls } = worker();
    const result = await deliver(message, receipt, dependencies);
    expect(result).toMatchObject({ kind: "outcome", event: { status: "sent", provider: "ses", providerMessageId: "ses-1", attempt: 2, recordedInRow: true } });
    expect(calls.completed).toEqual([expect.objectContaining({ status: "sent", providerMessageId: "ses-1" })]);
    expect(calls.published).toEqual([expect.objectContaining({ status: "sent", recordedInRow: true })]);
  });

  it("suppresses a channel the user switched off, without a claim or a send", async () => {
    const { dependencies, calls } = worker({ preferences: { email: "ada@example.com", channels: { email: false } } });
    expect(await deliver(message, receipt, dependencies)).toMatchObject({ kind: "outcome", event: { status: "suppressed", reason: "channel_disabled" } });
    expect(calls.sent).toBe(0);
    expect(calls.published[0]).not.toHaveProperty("recordedInRow");
  });

  it("publishes the fallback of a suppressed push, unless a cancel took the push back", async () => {
    const push: ChannelMessage = { ...message, channels: ["push"] };
    for (const canceled of [false, true]) {
      const { dependencies, calls } = worker({ canceled });
      expect(await deliver(push, receipt, { ...dependencies, channel: "push" })).toMatchObject({ kind: "outcome", event: { status: "suppressed", reason: "no_address" } });
      expect(calls.followedUp.map((followUp) => followUp.channels), `canceled ${canceled}`).toEqual(canceled ? [] : [["email"]]);
    }
  });

  it("fails a delivery for good when its stored version cannot be rendered, without a claim or a send", async () => {
    const { dependencies, calls } = worker();
    const stored = (await builtInTemplates.version("order.shipped", 1))!;
    const broken = { ...stored, version: 999, locales: { en: { ...stored.locales.en, email: { subject: "{{#if}}x{{/if}}", html: "x", text: "x" } } } };
    const result = await deliver(message, receipt, { ...dependencies, templates: { version: async () => broken } });
    expect(result).toMatchObject({ kind: "outcome", event: { status: "failed", reason: expect.stringMatching(/^render_failed: en\.email\.subject cannot be rendered: #if requires exactly one argument/) } });
    expect(calls.sent).toBe(0);
  });

  it("holds a message in quiet hours until they end, and records it deferred", async () => {
    const { dependencies, calls } = worker({ preferences: { email: "ada@example.com", timezone: "UTC", quietHours: { start: "09:00", end: "11:00" } } });
    expect(await deliver(message, receipt, dependencies)).toMatchObject({ kind: "outcome", event: { status: "deferred", reason: "quiet_hours" } });
    expect(calls.held).toEqual([Date.parse("2026-11-23T11:00:00Z")]);
    expect(calls.sent).toBe(0);
  });

  it("re-emits the recorded outcome of a delivery already done, without sending", async () => {
    const { dependencies, calls } = worker({ claim: { kind: "already_done", status: "sent", providerMessageId: "ses-0" } });
    expect(await deliver(message, receipt, dependencies)).toMatchObject({ kind: "duplicate", event: { status: "sent", providerMessageId: "ses-0" } });
    expect(calls.sent).toBe(0);
    expect(calls.published).toHaveLength(1);
  });

  it("holds a message the send rate has no room for, before its claim and without a send or an outcome", async () => {
    const { dependencies, calls } = worker();
    let claimed = 0;
    const rated: DeliverDependencies = { ...dependencies, claims: { ...dependencies.claims, claim: async () => (claimed++, { kind: "claimed", token: "t-1" }) }, sendRate: { admit: async () => false } };
    expect(await deliver(message, receipt, rated)).toEqual({ kind: "held" });
    expect([claimed, calls.sent, calls.published.length]).toEqual([0, 0, 0]);
    expect(await deliver(message, receipt, { ...rated, sendRate: { admit: async () => true } })).toMatchObject({ kind: "outcome", event: { status: "sent" } });
  });

  it("asks the send rate nothing for a message it suppresses", async () => {
    const { dependencies } = worker({ preferences: { email: "ada@example.com", channels: { email: false } } });
    const asked: ChannelMessage[] = [];
    await deliver(message, receipt, { ...dependencies, sendRate: { admit: async (asking) => (asked.push(asking), true) } });
    expect(asked).toEqual([]);
  });

  it("throws ClaimBusyError while an earlier receive of the same message holds the lease", async () => {
    const { dependencies, calls } = worker({ claim: { kind: "busy" } });
    await expect(deliver(message, receipt, dependencies)).rejects.toBeInstanceOf(ClaimBusyError);
    expect(calls.sent + calls.published.length).toBe(0);
  });

  it("drops a repeated publish as redundant while another message owns the delivery", async () => {
    const { dependencies, calls } = worker({ claim: { kind: "owned_elsewhere" } });
    expect(await deliver(message, receipt, dependencies)).toEqual({ kind: "redundant" });
    expect(calls.sent + calls.published.length).toBe(0);
  });

  it("records a permanent rejection as failed, marked in the claim, and does not throw", async () => {
    const { dependencies, calls } = worker({ send: async () => ({ ok: false, reason: "recipient rejected" }) });
    expect(await deliver(message, receipt, dependencies)).toMatchObject({ kind: "outcome", event: { status: "failed", reason: "recipient rejected", recordedInRow: true } });
    expect(calls.completed).toEqual([expect.objectContaining({ status: "failed" })]);
  });

  it("releases the claim and throws a transient error when the provider throws unexpectedly", async () => {
    const { dependencies, calls } = worker({
      send: async () => {
        throw new TypeError("socket hang up");
      },
    });
    const failure = await deliver(message, receipt, dependencies).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransientProviderError);
    expect((failure as Error).message).toBe("ses threw unexpectedly: socket hang up");
    expect(calls.released).toEqual(["t-1"]);
    expect(calls.completed).toEqual([]);
    expect(calls.published).toEqual([]);
  });
});
