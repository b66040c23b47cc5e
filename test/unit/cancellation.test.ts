import { describe, expect, it } from "vitest";
import { cancelTargets } from "#shared/domain/cancellation.ts";
import type { FollowUp } from "#shared/domain/follow-up-rule.ts";

const escalation: FollowUp = { kind: "escalation", from: "push", to: "email", afterMinutes: 30, unless: ["opened"] };
const keys = (targets: ReturnType<typeof cancelTargets>) => targets.map(({ userId, channel }) => `${userId}/${channel}`).sort();

describe("cancelTargets", () => {
  it("takes every recipient on every channel, rows or not, once each", () => {
    const targets = cancelTargets({ header: { userIds: ["ada", "bo"], channels: ["push", "in_app"] }, rows: [{ userId: "ada", channel: "push", status: "deferred" }], followUps: [] });
    expect(keys(targets)).toEqual(["ada/in_app", "ada/push", "bo/in_app", "bo/push"]);
  });

  it("adds an escalation still pending after a sent original, not one whose original is unsent or already answered", () => {
    const targets = cancelTargets({
      header: { userIds: ["ada", "bo", "cy"], channels: ["push"] },
      rows: [
        { userId: "ada", channel: "push", status: "sent" },
        { userId: "bo", channel: "push", status: "opened" },
        { userId: "cy", channel: "push", status: "scheduled" },
      ],
      followUps: [escalation],
    });
    expect(keys(targets)).toEqual(["ada/email", "ada/push", "bo/push", "cy/push"]);
  });

  it("does not add an escalation to a channel the notification already goes to", () => {
    const targets = cancelTargets({ header: { userIds: ["ada"], channels: ["push", "email"] }, rows: [{ userId: "ada", channel: "push", status: "sent" }], followUps: [escalation] });
    expect(keys(targets)).toEqual(["ada/email", "ada/push"]);
  });

  it("works from the rows alone for a notification published straight to the topic", () => {
    expect(keys(cancelTargets({ rows: [{ userId: "ada", channel: "sms", status: "deferred" }], followUps: [] }))).toEqual(["ada/sms"]);
  });
});
