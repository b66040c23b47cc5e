import type { ChannelMessage } from "../domain/channel-message.ts";
import { inChunks } from "../lib/in-chunks.ts";
import { digestContent, type DigestEntry } from "../domain/digest-window.ts";
import type { TemplateSource } from "../domain/templates/registry.ts";
import type { DigestRelease } from "../adapters/stores/deferred-items.ts";
import type { DigestMembers } from "../adapters/stores/digest-members.ts";
import { memberNotificationId, type DigestWindows } from "../adapters/stores/digest-windows.ts";

export interface DigestReleaseDependencies {
  windows: Pick<DigestWindows, "seal">;
  members: Pick<DigestMembers, "release">;
  /** The type's active version, which renders the digest and whose maxItems bounds what it carries. */
  templates: Pick<TemplateSource, "active">;
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
  const content = digestContent(entries, template?.digest ?? { windowMinutes: 1 });
  const newest = entries.reduce((latest, entry) => (entry.at > latest.at ? entry : latest));
  return {
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
  };
}
