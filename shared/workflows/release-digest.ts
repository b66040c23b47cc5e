import type { ChannelMessage } from "../domain/channel-message.ts";
import { inChunks } from "../lib/in-chunks.ts";
import { digestContent, type DigestContent, type DigestEntry } from "../domain/digest-window.ts";
import type { TemplateSource } from "../domain/templates/registry.ts";
import type { DigestRelease } from "../adapters/stores/deferred-items.ts";
import type { DigestMembers } from "../adapters/stores/digest-members.ts";
import type { NotificationPublisher } from "../adapters/notification-publisher.ts";
import { memberNotificationId, type DigestWindows } from "../adapters/stores/digest-windows.ts";

export interface DigestReleaseDependencies {
  windows: Pick<DigestWindows, "seal">;
  members: Pick<DigestMembers, "release">;
  /** The type's active version, which renders the digest and whose maxItems bounds what it carries. */
  templates: Pick<TemplateSource, "active">;
  /** How much more a message may carry: what bounds the digest's items. */
  messages: Pick<NotificationPublisher, "headroom">;
}

/** Member rows released at once. */
const CONCURRENT_RELEASES = 25;

/**
 * A closing window's message: the window is sealed (later notifications open the next one), each
 * member's row is taken for this window (a cancel or another window may have it instead), and what
 * was taken becomes one message whose notificationId is the window's id, so its delivery is claimed
 * like any other and a release that runs again sends it once. Undefined when nothing is left in it.
 */
export async function digestMessage(item: DigestRelease, releasedAt: string, deps: DigestReleaseDependencies): Promise<ChannelMessage | undefined> {
  const { scope, windowId } = item;
  const members = (await deps.windows.seal(scope, windowId)) ?? [];
  const taken = await inChunks(members, CONCURRENT_RELEASES, async (member) => {
    const notificationId = memberNotificationId(member);
    const entry = await deps.members.release({ notificationId, userId: scope.userId, channel: scope.channel }, windowId);
    return entry && { notificationId, ...entry };
  });
  const entries: DigestEntry[] = taken.filter((entry) => entry !== undefined);
  if (entries.length === 0) return undefined;
  // A digest is accepted when its window is released: it renders with the version active then.
  const template = await deps.templates.active(scope.type);
  const rule = template?.digest ?? { windowMinutes: 1 };
  const newest = entries.reduce((latest, entry) => (entry.at > latest.at ? entry : latest));
  const message = (content: DigestContent): ChannelMessage => ({
    version: 1,
    notificationId: windowId,
    type: scope.type,
    category: item.category,
    priority: item.priority,
    userId: scope.userId,
    channels: [scope.channel],
    // The newest notification's fields ("Ada liked…") beside the digest ("…and 2 others").
    data: { ...newest.data, digest: content },
    publishedAt: releasedAt,
    digest: true,
    ...(template === undefined ? {} : { templateVersion: template.version }),
  });
  // Measured with no item and every count at its longest ("false" is a byte longer than "true").
  const bare = digestContent(entries, rule, 0);
  const itemBytes = deps.messages.headroom(message({ ...bare, trimmedToFit: false }));
  return message(digestContent(entries, rule, itemBytes));
}
