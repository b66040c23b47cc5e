import { describe, expect, it } from "vitest";
import { formatBroadcastStatus, isSettled, type BroadcastStatus } from "../../cli/commands/broadcast-status.ts";

const expanding: BroadcastStatus = {
  notificationId: "launch-1",
  audience: "everyone",
  expansion: { status: "expanding", expanded: 600_000, total: 1_000_000 },
  deliveries: { decided: 450_000, total: 1_000_000 },
  summary: { in_app: { sent: 449_000, suppressed: 1_000 } },
};

describe("notify status <broadcast>", () => {
  it("shows how far the expansion, the deliveries and a cancel have come", () => {
    expect(formatBroadcastStatus(expanding)).toBe(
      [
        "broadcast launch-1 to audience everyone",
        "  expansion expanding: 600,000 of 1,000,000 members published (60%)",
        "  deliveries: 450,000 of 1,000,000 decided (45%)",
        "    in_app  sent 449000, suppressed 1000",
      ].join("\n"),
    );
    const canceled: BroadcastStatus = { ...expanding, canceledAt: "2026-12-08T10:00:00.000Z", expansion: { ...expanding.expansion, status: "canceled" }, cancel: { status: "canceling", checked: 250_000, canceled: 100_000 } };
    expect(formatBroadcastStatus(canceled)).toContain("canceled at 2026-12-08T10:00:00.000Z");
    expect(formatBroadcastStatus(canceled)).toContain("  cancel canceling: 250,000 members checked, 100,000 deliveries canceled");
  });

  it("follows a broadcast until every delivery is decided, or a cancel is done", () => {
    expect(isSettled(expanding)).toBe(false);
    expect(isSettled({ ...expanding, expansion: { ...expanding.expansion, status: "done" }, deliveries: { decided: 1_000_000, total: 1_000_000 } })).toBe(true);
    expect(isSettled({ ...expanding, cancel: { status: "canceling", checked: 1, canceled: 1 } })).toBe(false);
    expect(isSettled({ ...expanding, cancel: { status: "done", checked: 1_000_000, canceled: 550_000 } })).toBe(true);
  });
});
