import type { ChannelMessage } from "./channel-message.ts";
import type { Channel } from "./channels.ts";
import type { DeliveryEvent, DeliveryStatus } from "./delivery-event.ts";
import type { TemplateDefinition } from "./templates/template-definition.ts";

/** A follow-up to send now, or to hold until `dueAt` and drop if the original reached `unless`. */
export type FollowUpAction =
  | { send: "now"; message: ChannelMessage }
  | { send: "later"; message: ChannelMessage; channel: Channel; dueAt: number; unless: { channel: Channel; statuses: readonly DeliveryStatus[] } };

export function followUpsAfter(template: Pick<TemplateDefinition, "followUps">, message: ChannelMessage, outcome: DeliveryEvent, now: number): FollowUpAction[] {
  const followUp = (to: Channel): ChannelMessage => {
    const { releasedAt: _releasedAt, ...rest } = message;
    return { ...rest, channels: [to], followUpOf: outcome.channel };
  };
  return (template.followUps ?? []).flatMap((rule): FollowUpAction[] => {
    if (rule.from !== outcome.channel) return [];
    // The notification already goes to that channel, whose claim would turn the follow-up into a duplicate: skip its writes.
    if (message.channels.includes(rule.to)) return [];
    if (rule.kind === "fallback") {
      const matches = rule.when.includes(outcome.status) || (outcome.reason !== undefined && rule.when.includes(outcome.reason));
      return matches ? [{ send: "now", message: followUp(rule.to) }] : [];
    }
    if (outcome.status !== "sent") return [];
    return [{ send: "later", message: followUp(rule.to), channel: rule.to, dueAt: now + rule.afterMinutes * 60_000, unless: { channel: rule.from, statuses: rule.unless } }];
  });
}
