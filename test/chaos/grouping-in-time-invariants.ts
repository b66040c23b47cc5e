/**
 * What the chaos run holds digests and scheduled sends to, read off the deliveries table and the
 * local outbox once the clock has passed every window and send time.
 */
import { deliveryKey } from "#shared/domain/delivery-event.ts";

/** One (notification, user, channel). */
export interface Delivery {
  notificationId: string;
  userId: string;
  channel: string;
}

export interface DeliveryRow {
  status: string;
  reason?: string;
}

export interface Send {
  at: string;
  body: string;
}

/** Attempt outcomes that end a delivery: nothing more happens to it without a redrive. */
export const TERMINAL = new Set(["sent", "suppressed", "failed", "dead_lettered"]);

/** The count a comment_liked digest says it holds: "Ada liked…" is 1, "Ada and 1 other…" 2, "Ada and N others…" N + 1. */
export function renderedLikeCount(body: string): number {
  const others = /and (\d+) others? liked your comment$/.exec(body);
  return others ? Number(others[1]) + 1 : 1;
}

export interface DigestFindings {
  /** Like deliveries whose row is not `digested` into a window. */
  notDigested: string[];
  /** Windows (as their digest's delivery key) whose digest did not reach an outcome. */
  undecidedDigests: string[];
  /** Digest sends whose count differs from the likes whose rows name the window. */
  miscounted: Array<{ window: string; likes: number; rendered: number }>;
  /** Each window's digest delivery key with the like deliveries it carries. */
  windows: Map<string, string[]>;
}

/**
 * Every like is in exactly one window (its row names it), every window's digest reached an
 * outcome, and each digest that was sent counts exactly the likes in it: none lost, none twice.
 */
export function digestFindings(likes: Delivery[], rows: ReadonlyMap<string, DeliveryRow>, sends: ReadonlyMap<string, Send[]>): DigestFindings {
  const findings: DigestFindings = { notDigested: [], undecidedDigests: [], miscounted: [], windows: new Map() };
  for (const like of likes) {
    const row = rows.get(deliveryKey(like));
    if (row?.status !== "digested" || !row.reason) {
      findings.notDigested.push(deliveryKey(like));
      continue;
    }
    const window = deliveryKey({ notificationId: row.reason, userId: like.userId, channel: like.channel });
    findings.windows.set(window, [...(findings.windows.get(window) ?? []), deliveryKey(like)]);
  }
  for (const [window, members] of findings.windows) {
    const row = rows.get(window);
    if (!row || !TERMINAL.has(row.status)) findings.undecidedDigests.push(window);
    if (row?.status !== "sent") continue;
    for (const send of sends.get(window) ?? []) {
      const rendered = renderedLikeCount(send.body);
      if (rendered !== members.length) findings.miscounted.push({ window, likes: members.length, rendered });
    }
  }
  return findings;
}

export interface ScheduleFindings {
  /** Scheduled deliveries neither at an outcome nor canceled. */
  undecided: string[];
  /** Canceled deliveries that were sent all the same. */
  canceledButSent: string[];
  /** Notifications whose cancel answered a count other than the rows it canceled (0 for those never canceled). */
  cancelCountsOff: Array<{ notificationId: string; answered: number; rows: number }>;
  canceled: number;
  sent: number;
}

/** Each scheduled delivery ends sent xor canceled (or another outcome), and each cancel's answer is what the table says it did. */
export function scheduleFindings(
  scheduled: Delivery[],
  cancelAnswers: ReadonlyMap<string, number>,
  rows: ReadonlyMap<string, DeliveryRow>,
  sends: ReadonlyMap<string, Send[]>,
): ScheduleFindings {
  const findings: ScheduleFindings = { undecided: [], canceledButSent: [], cancelCountsOff: [], canceled: 0, sent: 0 };
  const canceledRows = new Map<string, number>();
  for (const delivery of scheduled) {
    const key = deliveryKey(delivery);
    const status = rows.get(key)?.status;
    if (status === "canceled") {
      findings.canceled++;
      canceledRows.set(delivery.notificationId, (canceledRows.get(delivery.notificationId) ?? 0) + 1);
      if (sends.has(key)) findings.canceledButSent.push(key);
    } else if (status === undefined || !TERMINAL.has(status)) {
      findings.undecided.push(key);
    } else if (status === "sent") {
      findings.sent++;
    }
  }
  for (const notificationId of new Set(scheduled.map((delivery) => delivery.notificationId))) {
    const answered = cancelAnswers.get(notificationId) ?? 0;
    const canceled = canceledRows.get(notificationId) ?? 0;
    if (answered !== canceled) findings.cancelCountsOff.push({ notificationId, answered, rows: canceled });
  }
  return findings;
}
