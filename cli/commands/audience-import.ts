import { createReadStream } from "node:fs";
import { extname } from "node:path";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import { MAX_MEMBER_CHANGES } from "#shared/domain/audience.ts";
import { userIdSchema } from "#shared/domain/identifiers.ts";
import type { Audiences } from "../../client/audiences.ts";

export type MemberFileFormat = "lines" | "csv" | "jsonl";

/** How many member changes are in flight at once: enough to hide the round trip, few enough not to throttle. */
const PARALLEL_CHANGES = 4;
/** Bad lines shown when a file is refused; the count says how many more there are. */
const SHOWN_PROBLEMS = 10;

export function formatOf(file: string): MemberFileFormat {
  const extension = extname(file).toLowerCase();
  if (extension === ".csv") return "csv";
  if (extension === ".jsonl" || extension === ".ndjson") return "jsonl";
  return "lines";
}

interface MemberLine {
  line: number;
  /** What the line holds as the userId, still to be checked. */
  userId: unknown;
}

async function* textLines(file: string): AsyncGenerator<{ line: number; text: string }> {
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    line += 1;
    yield { line, text: text.trim() };
  }
}

/** Blank lines are skipped in every format; a CSV needs a `userId` column, a JSON line a `userId` field. */
async function* memberLines(file: string, format: MemberFileFormat): AsyncGenerator<MemberLine> {
  if (format === "csv") {
    const records = createReadStream(file).pipe(parse({ columns: true, bom: true, trim: true, skip_empty_lines: true, info: true }));
    for await (const { record, info } of records as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (!("userId" in record)) throw new Error(`${file}: a CSV import needs a userId column; the header has ${Object.keys(record).join(", ")}`);
      yield { line: info.lines, userId: record.userId };
    }
    return;
  }
  for await (const { line, text } of textLines(file)) {
    if (text === "") continue;
    if (format === "lines") {
      yield { line, userId: text };
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      yield { line, userId: undefined };
      continue;
    }
    yield { line, userId: typeof parsed === "object" && parsed !== null ? (parsed as { userId?: unknown }).userId : undefined };
  }
}

/**
 * Reads and checks the whole file before anything is sent, so a bad line refuses the import rather
 * than leaving half of it in; ids named twice are sent once.
 */
export async function readMembers(file: string, format: MemberFileFormat): Promise<string[]> {
  const members = new Set<string>();
  const problems: string[] = [];
  for await (const { line, userId } of memberLines(file, format)) {
    const parsed = userIdSchema.safeParse(userId);
    if (parsed.success) members.add(parsed.data);
    else problems.push(`line ${line}: ${userId === undefined ? "no userId" : `userId ${JSON.stringify(userId)} ${parsed.error.issues[0]!.message}`}`);
  }
  if (problems.length > 0) {
    const more = problems.length > SHOWN_PROBLEMS ? `\n  ... and ${problems.length - SHOWN_PROBLEMS} more` : "";
    throw new Error(`${file}: ${problems.length} line(s) refused, nothing imported\n  ${problems.slice(0, SHOWN_PROBLEMS).join("\n  ")}${more}`);
  }
  return [...members];
}

export interface ImportResult {
  audienceId: string;
  read: number;
  added: number;
  members: number;
}

/**
 * Adds the members 1,000 a request. Adding is idempotent, so a run cut off part way is finished by
 * running it again: what is already in is counted neither as added nor twice.
 */
export async function importMembers(audiences: Audiences, audienceId: string, members: readonly string[], onProgress: (sent: number) => void): Promise<ImportResult> {
  if (!(await audiences.get(audienceId))) throw new Error(`no audience ${audienceId}: create it first with notify audience create ${audienceId}`);
  const batches: string[][] = [];
  for (let start = 0; start < members.length; start += MAX_MEMBER_CHANGES) batches.push(members.slice(start, start + MAX_MEMBER_CHANGES));

  let added = 0;
  let sent = 0;
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const change = await audiences.changeMembers(audienceId, { add: batch });
      added += change.added;
      sent += batch.length;
      onProgress(sent);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_CHANGES }, worker));
  const audience = await audiences.get(audienceId);
  return { audienceId, read: members.length, added, members: audience?.members ?? 0 };
}
