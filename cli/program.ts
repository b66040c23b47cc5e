import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { SingleBar } from "cli-progress";
import { Command, CommanderError, Option } from "commander";
import { decodeJwt } from "jose";
import { formatOf, importMembers, readMembers, type MemberFileFormat } from "./commands/audience-import.ts";
import { formatDeadLetters, lanesOf, listDeadLetters, redriveChannel } from "./commands/dead-letters.ts";
import { formatEvent, tailEvents } from "./commands/events-tail.ts";
import { getPreferences, setPreferences } from "./commands/preferences.ts";
import { formatStatus, stackStatus } from "./commands/status.ts";
import { broadcastStatus, formatBroadcastStatus, watchBroadcast } from "./commands/broadcast-status.ts";
import { readTemplateFiles } from "./commands/templates.ts";
import { RequestError } from "#shared/domain/request-error.ts";
import type { TemplatePreview, TemplateSummary } from "../client/templates.ts";
import type { AnalyticsQuery } from "../client/analytics.ts";
import { formatAnalytics } from "./commands/analytics.ts";
import { formatTrace, trace } from "./commands/trace.ts";
import { resolveTarget, type Target, type TargetOptions } from "./target.ts";
import { rotateUserTokenKey } from "../client/user-tokens.ts";

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Where the progress bar draws; it is left out when this is not a terminal or --json is set. */
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CommanderError(2, "notify.invalidJson", `${what} must be JSON, e.g. '{"channels":{"sms":false}}'`);
  }
}

/**
 * The `notify` CLI as a function of its arguments, so tests run it in-process. Every command acts
 * on one target: the local cloud (default), LocalStack, or a deployed stack found by its name.
 */
export function notifyProgram(io: CliIo): Command {
  const program = new Command("notify")
    .description("Operate a notify-fanout stack: publish, preferences, status, traces, dead letters")
    .addOption(new Option("--target <target>", "where the stack runs").choices(["local", "localstack", "aws"]).default("local"))
    .option("--stack <name>", "stack name (CloudFormation on AWS, outputs key on LocalStack)", "Notify")
    .option("--region <region>", "AWS region; defaults to the SDK's configuration")
    .option("--local-config <file>", "the local cloud's description", ".notify/local.json")
    .option("--localstack-outputs <file>", "stack outputs written by npm run deploy:localstack", ".notify/localstack-outputs.json")
    .option("--localstack-endpoint <url>", "LocalStack's edge endpoint", process.env.LOCALSTACK_ENDPOINT ?? "http://localhost:4566")
    .option("--json", "print JSON instead of text")
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showHelpAfterError();

  const globals = () => program.opts<TargetOptions & { json?: boolean }>();
  const target = (): Promise<Target> => resolveTarget(globals());
  const print = (value: unknown, text: (value: any) => string) => io.out(globals().json ? JSON.stringify(value, null, 2) : text(value));

  program
    .command("status")
    .description("every queue's depth, every DLQ's depth, the delivery-events stream and, on AWS, queue ages, iterator age and alarms; given a broadcast's id, its expansion, deliveries and cancel")
    .argument("[notificationId]", "a broadcast: how far its expansion, deliveries and cancel have come")
    .option("--watch", "with a broadcast's id: redraw its progress bars every second until it settles")
    .action(async (notificationId: string | undefined, options: { watch?: boolean }) => {
      if (notificationId === undefined) return print(await stackStatus(await target()), formatStatus);
      const live = options.watch && io.progressStream?.isTTY && !globals().json;
      const status = live ? await watchBroadcast(await target(), notificationId, io.progressStream!) : await broadcastStatus(await target(), notificationId);
      if (!status) throw new CommanderError(1, "notify.notABroadcast", `no broadcast ${notificationId}`);
      print(status, formatBroadcastStatus);
    });

  program
    .command("trace")
    .description("the timeline of one notification, per user and channel")
    .argument("<notificationId>")
    .action(async (notificationId: string) => print(await trace(await target(), notificationId), formatTrace));

  program
    .command("publish")
    .description("publish a notification through the HTTP API, or on the topic when the stack has none")
    .requiredOption("--type <type>", "template type, e.g. order.shipped")
    .addOption(new Option("--user <userId...>", "recipients").conflicts("audience"))
    .option("--audience <audienceId>", "broadcast to every member of the audience (HTTP API only)")
    .option("--channel <channel...>", "narrow the template's channels")
    .option("--data <json>", "template parameters as JSON", "{}")
    .option("--id <notificationId>", "idempotency key; generated when absent")
    .addOption(new Option("--priority <priority>").choices(["high", "normal", "low"]))
    .option("--send-at <instant>", "send later: ISO 8601 with an offset, e.g. 2026-12-24T09:00:00+01:00 (HTTP API only)")
    .action(async (options: { type: string; user?: string[]; audience?: string; channel?: string[]; data: string; id?: string; priority?: "high" | "normal" | "low"; sendAt?: string }) => {
      if (!options.user && !options.audience) throw new CommanderError(2, "notify.noRecipients", "name the recipients with --user or broadcast with --audience");
      const { publisher } = await target();
      const result = await publisher.publish({
        ...(options.id ? { notificationId: options.id } : {}),
        type: options.type,
        ...(options.audience ? { audience: options.audience } : { recipients: options.user!.map((userId) => ({ userId })) }),
        ...(options.channel ? { channels: options.channel as never } : {}),
        data: parseJson(options.data, "--data") as Record<string, unknown>,
        ...(options.priority ? { priority: options.priority } : {}),
        ...(options.sendAt ? { sendAt: options.sendAt } : {}),
      });
      print(result, (value) => `accepted ${value.notificationId}: ${value.recipients} recipient(s)${value.audience ? ` of audience ${value.audience}` : ""} on ${value.channels.join(", ")}${value.sendAt ? `, scheduled for ${value.sendAt}` : ""}`);
    });

  program
    .command("cancel")
    .description("take back every delivery of a notification not yet sent (scheduled, held for quiet hours, in a digest, a pending escalation)")
    .argument("<notificationId>")
    .action(async (notificationId: string) => {
      const result = await (await target()).publisher.cancel(notificationId);
      if (!result) throw new CommanderError(1, "notify.notFound", `no notification ${notificationId}`);
      print(result, (value) =>
        value.cancel?.status === "canceling"
          ? `canceling broadcast ${value.notificationId}: ${value.cancel.canceled} deliver${value.cancel.canceled === 1 ? "y" : "ies"} canceled so far; follow it with notify status ${value.notificationId} --watch`
          : `canceled ${value.canceled} deliver${value.canceled === 1 ? "y" : "ies"} of ${value.notificationId}`,
      );
    });

  program
    .command("token")
    .description("mint a user token for the browser's /v1/me routes and <notify-inbox> (signed with the stack's key)")
    .argument("<userId>")
    .option("--ttl <seconds>", "seconds until it expires, at most 86400", "3600")
    .action(async (userId: string, options: { ttl: string }) => {
      const ttlSeconds = Number(options.ttl);
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 86_400) throw new CommanderError(2, "notify.invalidTtl", "--ttl must be a whole number of seconds from 1 to 86400");
      const { publisher, outputs } = await target();
      if (!outputs.UserTokenSecretArn) throw new CommanderError(1, "notify.noUserTokens", "this stack has no HTTP API, so no user tokens (notify:httpApi=false)");
      const token = await publisher.userToken(userId, { ttlSeconds });
      print({ userId, token, expiresAt: new Date(decodeJwt(token).exp! * 1000).toISOString() }, (value) => value.token);
    });

  program
    .command("rotate-token-key")
    .description("put a new key in the user-token secret; tokens signed with the old one keep working for 5 minutes (what clients cache), or not at all with --revoke")
    .option("--revoke", "refuse tokens signed with the old key at once (a leaked key)")
    .action(async (options: { revoke?: boolean }) => {
      const { outputs, secretsManager, localCloud } = await target();
      if (!outputs.UserTokenSecretArn) throw new CommanderError(1, "notify.noUserTokens", "this stack has no HTTP API, so no user tokens (notify:httpApi=false)");
      const now = localCloud ? await localCloud.now() : Date.now();
      print(await rotateUserTokenKey(secretsManager, outputs.UserTokenSecretArn, now, { revoke: options.revoke ?? false }), (result) =>
        result.previousKeyAcceptedUntil ? `rotated at ${result.rotatedAt}; the previous key is accepted until ${result.previousKeyAcceptedUntil}` : `rotated at ${result.rotatedAt}; the previous key is refused`,
      );
    });

  program
    .command("events")
    .description("the delivery-events stream")
    .command("tail")
    .description("print delivery events as they arrive (one JSON object per line with --json)")
    .option("--from-start", "read the stream's whole retention (24 h), not only new events")
    .option("--notification <notificationId>", "only this notification's events")
    .option("--limit <n>", "stop after this many events", (value) => Number(value))
    .option("--timeout <seconds>", "stop after this many seconds", (value) => Number(value))
    .action(async (options: { fromStart?: boolean; notification?: string; limit?: number; timeout?: number }) => {
      await tailEvents(
        await target(),
        { fromStart: options.fromStart ?? false, notificationId: options.notification, limit: options.limit, timeoutMillis: options.timeout === undefined ? undefined : options.timeout * 1000 },
        (event) => io.out(globals().json ? `${JSON.stringify(event)}\n` : `${formatEvent(event)}\n`),
      );
    });

  const prefs = program.command("prefs").description("read or change a user's preferences");
  prefs
    .command("get")
    .argument("<userId>")
    .description("the user's preferences with defaults filled in")
    .action(async (userId: string) => print(await getPreferences(await target(), userId), (value) => JSON.stringify(value, null, 2)));
  prefs
    .command("set")
    .argument("<userId>")
    .argument("<patch>", "JSON Merge Patch, e.g. '{\"channels\":{\"sms\":false}}'")
    .description("merge a change into the user's preferences (null removes a key)")
    .action(async (userId: string, patch: string) => print(await setPreferences(await target(), userId, parseJson(patch, "the patch")), (value) => JSON.stringify(value, null, 2)));

  const audience = program.command("audience").description("named lists of users to broadcast to (kept behind the HTTP API)");
  const describeAudience = (value: { audienceId: string; name?: string; description?: string; members: number; createdAt: string }) =>
    `${value.audienceId}${value.name ? ` (${value.name})` : ""}: ${value.members} member(s), created ${value.createdAt}${value.description ? `\n${value.description}` : ""}`;
  const describeChange = (value: { added: number; removed: number; members: number }) => `added ${value.added}, removed ${value.removed}; ${value.members} member(s) now`;
  audience
    .command("create")
    .argument("<audienceId>")
    .option("--name <name>")
    .option("--description <text>")
    .description("create the audience, or rename it; its members stay")
    .action(async (audienceId: string, options: { name?: string; description?: string }) => print(await (await target()).publisher.audiences.put(audienceId, options), describeAudience));
  audience
    .command("show")
    .argument("<audienceId>")
    .description("the audience's name and member count")
    .action(async (audienceId: string) => {
      const found = await (await target()).publisher.audiences.get(audienceId);
      if (!found) throw new CommanderError(1, "notify.unknownAudience", `no audience ${audienceId}`);
      print(found, describeAudience);
    });
  audience
    .command("add")
    .argument("<audienceId>")
    .argument("<userIds...>", "1-1,000 ids; one already in is not an error")
    .description("add members")
    .action(async (audienceId: string, userIds: string[]) => print(await (await target()).publisher.audiences.changeMembers(audienceId, { add: userIds }), describeChange));
  audience
    .command("remove")
    .argument("<audienceId>")
    .argument("<userIds...>", "1-1,000 ids; one not in is not an error")
    .description("remove members")
    .action(async (audienceId: string, userIds: string[]) => print(await (await target()).publisher.audiences.changeMembers(audienceId, { remove: userIds }), describeChange));
  audience
    .command("import")
    .argument("<audienceId>")
    .argument("<file>", "one userId per line, a CSV with a userId column, or JSON lines with a userId field")
    .addOption(new Option("--format <format>", "how the file is written; from its extension when absent (.csv, .jsonl or .ndjson, else lines)").choices(["lines", "csv", "jsonl"]))
    .description("add every member the file names, checked in full before anything is sent; safe to run again after an interruption")
    .action(async (audienceId: string, file: string, options: { format?: MemberFileFormat }) => {
      const members = await readMembers(file, options.format ?? formatOf(file));
      const { publisher } = await target();
      const bar = io.progressStream?.isTTY && !globals().json ? new SingleBar({ stream: io.progressStream, format: "import {bar} {value}/{total} members" }) : undefined;
      bar?.start(members.length, 0);
      const result = await importMembers(publisher.audiences, audienceId, members, (sent) => bar?.update(sent)).finally(() => bar?.stop());
      print(result, (value) => `read ${value.read} member(s) from ${file}: ${value.added} added, the rest already in; ${value.audienceId} has ${value.members} member(s)`);
    });

  const templates = program.command("templates").description("change, list and roll back templates without a deploy (kept behind the HTTP API)");
  templates
    .command("list")
    .description("every type with its active version and how many versions it has")
    .action(async () =>
      print(await (await target()).publisher.templates.list(), (items) => items.map((item: TemplateSummary) => `${item.type.padEnd(32)} v${item.activeVersion} of ${item.versions}  ${item.category.padEnd(13)} ${item.channels.join(", ")}`).join("\n")),
    );
  templates
    .command("show")
    .argument("<type>")
    .option("--version <n>", "a version other than the active one", (value) => Number(value))
    .description("a version's definition, as JSON (push it back after editing)")
    .action(async (type: string, options: { version?: number }) => {
      const found = await (await target()).publisher.templates.get(type, options.version);
      if (!found) throw new CommanderError(1, "notify.unknownTemplate", options.version === undefined ? `no template ${type}` : `template ${type} has no version ${options.version}`);
      print(found, (value) => JSON.stringify(value, null, 2));
    });
  templates
    .command("push")
    .argument("<path>", "a JSON definition naming its type, or a directory of them")
    .description("store each definition as its type's next version and activate it; a refused one names each problem and changes nothing")
    .action(async (path: string) => {
      const { publisher } = await target();
      const pushed: Array<{ type: string; version: number }> = [];
      for (const { type, definition } of await readTemplateFiles(path)) pushed.push(await publisher.templates.put(type, definition));
      print(pushed, (results) => results.map((result: { type: string; version: number }) => `${result.type}: version ${result.version} stored and active`).join("\n"));
    });
  templates
    .command("preview")
    .argument("<type>")
    .option("--data <json>", "the template's data", "{}")
    .option("--locale <locale>")
    .option("--version <n>", "a version other than the active one", (value) => Number(value))
    .option("--variant <name>")
    .addOption(new Option("--channel <channel...>", "only these channels").choices(["email", "sms", "push", "in_app"]))
    .description("what each channel would show, rendered as the workers render it, with warnings")
    .action(async (type: string, options: { data: string; locale?: string; version?: number; variant?: string; channel?: Array<"email" | "sms" | "push" | "in_app"> }) => {
      const preview = await (await target()).publisher.templates.preview(type, {
        data: parseJson(options.data, "--data") as Record<string, unknown>,
        ...(options.locale ? { locale: options.locale } : {}),
        ...(options.version ? { version: options.version } : {}),
        ...(options.variant ? { variant: options.variant } : {}),
        ...(options.channel ? { channels: options.channel } : {}),
      });
      print(preview, (value: TemplatePreview) =>
        [
          `${value.type} version ${value.version}`,
          ...Object.entries(value.channels).map(([channel, parts]) => `\n[${channel}]\n${Object.entries(parts as Record<string, unknown>).map(([part, text]) => `${part}: ${String(text)}`).join("\n")}`),
          ...value.warnings.map((warning) => `\nwarning: ${warning}`),
        ].join("\n"),
      );
    });
  templates
    .command("activate")
    .argument("<type>")
    .argument("<version>", "a stored version, or 1 for the built-in one", (value) => Number(value))
    .description("roll back or forward: new notifications of the type render with this version")
    .action(async (type: string, version: number) => {
      const result = await (await target()).publisher.templates.activate(type, version);
      if (!result) throw new CommanderError(1, "notify.unknownTemplate", `template ${type} has no version ${version}`);
      print(result, (value) => `${value.type}: version ${value.activeVersion} is active`);
    });

  program
    .command("analytics")
    .requiredOption("--type <type>", "the template type")
    .option("--from <day>", "first day, YYYY-MM-DD (default: 30 days before --to)")
    .option("--to <day>", "last day, YYYY-MM-DD (default: today)")
    .option("--group-by <dimensions>", "any of channel, version, variant, day, comma separated")
    .description("a template type's engagement: counts and rates, from the counters kept as events arrive")
    .action(async (options: { type: string; from?: string; to?: string; groupBy?: string }) => {
      const answer = await (await target()).publisher.analytics({
        type: options.type,
        ...(options.from ? { from: options.from } : {}),
        ...(options.to ? { to: options.to } : {}),
        ...(options.groupBy ? { groupBy: options.groupBy.split(",") as AnalyticsQuery["groupBy"] } : {}),
      });
      print(answer, formatAnalytics);
    });

  const dlq = program.command("dlq").description("a channel's dead-letter queue");
  dlq
    .command("list")
    .argument("<channel>", "email, sms, push or in_app")
    .option("--limit <n>", "show at most this many", (value) => Number(value), 50)
    .description("messages in the channel's DLQ, left in place")
    .action(async (channel: string, options: { limit: number }) => print(await listDeadLetters(await target(), channel, options.limit), (letters) => formatDeadLetters(channel, letters)));
  dlq
    .command("redrive")
    .argument("<channel>", "email, sms, push or in_app")
    .option("--limit <n>", "move at most this many", (value) => Number(value))
    .description("move the channel's dead letters back to its queue once the cause is fixed; dedup keeps sent ones from going twice")
    .action(async (channel: string, options: { limit?: number }) => {
      const resolved = await target();
      const waiting = await Promise.all(
        lanesOf(resolved, channel).map(async ({ deadLetterQueueUrl }) => {
          const { Attributes = {} } = await resolved.sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
          return Number(Attributes.ApproximateNumberOfMessages ?? 0);
        }),
      );
      const total = Math.min(options.limit ?? Infinity, waiting.reduce((sum, count) => sum + count, 0));
      const bar = io.progressStream?.isTTY && !globals().json ? new SingleBar({ stream: io.progressStream, format: "redrive {bar} {value}/{total} messages" }) : undefined;
      bar?.start(total, 0);
      const result = await redriveChannel(resolved, channel, (moved) => bar?.update(Math.min(moved, total)), options.limit);
      bar?.stop();
      print({ channel, ...result }, (value) => `moved ${value.moved} message(s) from the ${channel} DLQ back to its queue${value.failed ? `; ${value.failed} refused, still in the DLQ` : ""}`);
    });

  return program;
}

/** Runs one command line; returns the exit code instead of exiting, and reports errors on stderr. */
export async function runNotifyCli(argv: string[], io: CliIo): Promise<number> {
  try {
    await notifyProgram(io).parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its own errors and help; ours are printed here.
      if (error.code.startsWith("notify.")) io.err(`notify: ${error.message}\n`);
      return error.exitCode;
    }
    // A refusal names each problem, e.g. every issue of a template definition.
    const issues = error instanceof RequestError ? (error.issues ?? []).map((issue) => `\n  ${issue.path}: ${issue.message}`).join("") : "";
    io.err(`notify: ${(error as Error).message}${issues}\n`);
    return 1;
  }
}
