import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, inject, it } from "vitest";
import { runNotifyCli } from "../../cli/program.ts";
import { routingAttributes, type ChannelMessage } from "#shared/domain/channel-message.ts";
import { advanceClockTo, call, deliveries, eventually, localNow, outbox, reachableUser, settled, uniqueId } from "../helpers/local-api.ts";

const localConfig = join(mkdtempSync(join(tmpdir(), "notify-cli-")), "local.json");
writeFileSync(localConfig, JSON.stringify({ apiUrl: inject("apiUrl"), region: "us-east-1", endpoints: inject("localCloudEndpoints"), outputs: inject("localCloudOutputs") }));

async function notify(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runNotifyCli(["--local-config", localConfig, ...args], { out: (text) => (out += text), err: (text) => (err += text) });
  return { code, out, err };
}

const json = async (...args: string[]) => {
  const result = await notify("--json", ...args);
  expect(result.code, result.err).toBe(0);
  return JSON.parse(result.out);
};

describe("the notify CLI on the local cloud", () => {
  it("shows every queue's and DLQ's depth and the stream", async () => {
    const status = await json("status");
    expect(status.queues.map((queue: { name: string }) => queue.name)).toEqual(expect.arrayContaining(["Notify-email", "Notify-sms", "Notify-push", "Notify-in-app", "Notify-provider-feedback"]));
    expect(status.deadLetterQueues.map((queue: { name: string }) => queue.name)).toEqual(expect.arrayContaining(["Notify-email-dlq", "Notify-delivery-events-failures"]));
    for (const queue of [...status.queues, ...status.deadLetterQueues]) expect(queue).toEqual(expect.objectContaining({ visible: expect.any(Number), inFlight: expect.any(Number), delayed: expect.any(Number) }));
    expect(status.stream).toMatchObject({ name: "Notify-delivery-events", status: "ACTIVE", shards: 1 });
    expect((await notify("status")).out).toContain("dead-letter queues");
  });

  it("sets preferences, publishes, and traces the notification per user and channel", async () => {
    const userId = uniqueId("cli-user");
    expect((await json("prefs", "set", userId, JSON.stringify(reachableUser))).email).toBe(reachableUser.email);
    expect((await json("prefs", "set", userId, '{"channels":{"sms":false}}')).channels).toMatchObject({ sms: false, email: true });
    expect((await json("prefs", "get", userId)).phone).toBe(reachableUser.phone);

    const notificationId = uniqueId("cli-order");
    const published = await json("publish", "--type", "order.shipped", "--user", userId, "--channel", "email", "sms", "--data", '{"orderId":"CLI-1"}', "--id", notificationId);
    expect(published).toEqual({ notificationId, recipients: 1, channels: ["email", "sms"] });
    await eventually("both outcomes", () => deliveries(notificationId), (rows) => rows.length === 2 && rows.every((row) => row.status !== "deferred"));

    const traced = await json("trace", notificationId);
    expect(traced.deliveries).toEqual(
      expect.arrayContaining([
        { userId, channel: "email", events: [expect.objectContaining({ status: "sent", attempt: 1 })] },
        { userId, channel: "sms", events: [expect.objectContaining({ status: "suppressed", reason: "channel_disabled" })] },
      ]),
    );
    expect((await notify("trace", notificationId)).out).toMatch(new RegExp(`${userId} / email\\n  \\S+  sent`));
  });

  it("mints a user token the /v1/me routes accept, and refuses a ttl over a day", async () => {
    const userId = uniqueId("cli-user");
    const token = (await notify("token", userId, "--ttl", "120")).out.trim();
    const answer = await fetch(`${inject("apiUrl")}/v1/me/preferences`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await answer.json()) as { userId: string }).userId).toBe(userId);
    expect((await json("token", userId)).expiresAt).toEqual(expect.any(String));
    expect((await notify("token", userId, "--ttl", "86401")).code).toBe(2);
  });

  it("rotates the user-token key: a token from the old key works for the overlap, then not; --revoke refuses it at once", async () => {
    const userId = uniqueId("rotated");
    const asBrowser = async (token: string) => (await fetch(`${inject("apiUrl")}/v1/me/preferences`, { headers: { authorization: `Bearer ${token}` } })).status;
    const before = (await notify("token", userId)).out.trim();
    const rotated = await json("rotate-token-key");
    expect(Date.parse(rotated.previousKeyAcceptedUntil) - Date.parse(rotated.rotatedAt)).toBe(300_000);
    expect(await asBrowser(before)).toBe(200);
    const after = (await notify("token", userId)).out.trim();
    expect(await asBrowser(after)).toBe(200);
    await advanceClockTo(Date.parse(rotated.previousKeyAcceptedUntil) + 1000);
    expect(await asBrowser(before)).toBe(401);
    expect(await asBrowser(after)).toBe(200);

    const revoked = await json("rotate-token-key", "--revoke");
    expect(revoked.previousKeyAcceptedUntil).toBeUndefined();
    expect(await asBrowser(after)).toBe(401);
    expect(await asBrowser((await notify("token", userId)).out.trim())).toBe(200);
  });

  it("publishes for later with --send-at and takes it back with cancel", async () => {
    const userId = uniqueId("cli-user");
    await json("prefs", "set", userId, JSON.stringify(reachableUser));
    const notificationId = uniqueId("cli-later");
    const sendAt = new Date((await localNow()) + 3_600_000).toISOString();
    expect(await json("publish", "--type", "order.shipped", "--user", userId, "--channel", "in_app", "--data", '{"orderId":"CLI-2"}', "--id", notificationId, "--send-at", sendAt)).toEqual({ notificationId, recipients: 1, channels: ["in_app"], sendAt });
    expect((await notify("cancel", notificationId)).out).toBe(`canceled 1 delivery of ${notificationId}`);
    expect(await json("cancel", notificationId)).toEqual({ notificationId, canceled: 0 });
    const unknown = await notify("cancel", uniqueId("never"));
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("no notification");
  });

  it("lists a seeded DLQ and redrives it, after which each message is sent once", async () => {
    const userId = uniqueId("cli-dlq");
    await json("prefs", "set", userId, JSON.stringify(reachableUser));
    const sqs = new SQSClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").sqs, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    const seeded = ["a", "b", "c"].map((suffix): ChannelMessage => ({
      version: 1, notificationId: uniqueId(`cli-dead-${suffix}`), type: "order.shipped", category: "transactional", userId, channels: ["email"], data: { orderId: "D-1" }, priority: "normal", publishedAt: new Date().toISOString(),
    }));
    for (const message of seeded) {
      await sqs.send(new SendMessageCommand({ QueueUrl: inject("localCloudOutputs").EmailDeadLetterQueueUrl!, MessageBody: JSON.stringify(message), MessageAttributes: routingAttributes(message) }));
    }

    const listed = await json("dlq", "list", "email");
    expect(listed.map((letter: { notificationId: string }) => letter.notificationId).sort()).toEqual(seeded.map((message) => message.notificationId).sort());
    // Listing on the local cloud looks without receiving: a second look finds the same receive counts.
    expect(await json("dlq", "list", "email")).toEqual(listed);
    expect(listed.every((letter: { receives: number }) => letter.receives === 0)).toBe(true);
    const status = await json("status");
    expect(status.deadLetterQueues.find((queue: { name: string }) => queue.name === "Notify-email-dlq")).toMatchObject({ visible: 3, oldestAgeSeconds: expect.any(Number) });
    expect(status.stream.iteratorAgeMillis).toEqual(expect.any(Number));

    expect(await json("dlq", "redrive", "email")).toEqual({ channel: "email", moved: 3, failed: 0 });
    for (const { notificationId } of seeded) await eventually("the redriven email sent", () => deliveries(notificationId), (rows) => rows[0]?.status === "sent");
    await settled();
    for (const { notificationId } of seeded) expect(await outbox(notificationId)).toHaveLength(1);
    expect(await json("dlq", "list", "email")).toEqual([]);
  });

  it("tails the delivery events of one notification", async () => {
    const userId = uniqueId("cli-tail");
    await json("prefs", "set", userId, JSON.stringify(reachableUser));
    const notificationId = uniqueId("cli-tail");
    await json("publish", "--type", "order.shipped", "--user", userId, "--channel", "email", "in_app", "--data", '{"orderId":"T-1"}', "--id", notificationId);
    const result = await notify("--json", "events", "tail", "--from-start", "--notification", notificationId, "--limit", "2", "--timeout", "30");
    expect(result.code, result.err).toBe(0);
    const events = result.out.trim().split("\n").map((line) => JSON.parse(line));
    expect(events.map((event: { channel: string; status: string }) => `${event.channel} ${event.status}`).sort()).toEqual(["email sent", "in_app sent"]);
    expect(events[0]).toMatchObject({ version: 2, notificationId, userId, type: "order.shipped", eventId: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it("publishes on the topic and keeps preferences in the table when the stack has no HTTP API, as on LocalStack's free plan", async () => {
    const { ApiUrl: _apiUrl, ApiId: _apiId, ...outputs } = inject("localCloudOutputs");
    const withoutApi = join(mkdtempSync(join(tmpdir(), "notify-cli-")), "local.json");
    writeFileSync(withoutApi, JSON.stringify({ apiUrl: inject("apiUrl"), region: "us-east-1", endpoints: inject("localCloudEndpoints"), outputs }));
    const userId = uniqueId("cli-topic");
    const withoutApiJson = async (...args: string[]) => {
      const result = await notify("--local-config", withoutApi, "--json", ...args);
      expect(result.code, result.err).toBe(0);
      return JSON.parse(result.out);
    };
    // Preferences go straight to the table, through the API's validation.
    await withoutApiJson("prefs", "set", userId, JSON.stringify(reachableUser));
    expect((await withoutApiJson("prefs", "set", userId, '{"channels":{"email":false}}')).channels).toMatchObject({ email: false, sms: true });
    expect(await withoutApiJson("prefs", "get", userId)).toMatchObject({ userId, phone: reachableUser.phone, channels: { email: false } });
    const rejected = await notify("--local-config", withoutApi, "prefs", "set", userId, '{"phone":"12345","channels":{"fax":true}}');
    expect(rejected).toMatchObject({ code: 1, err: expect.stringContaining("invalid_request") });
    expect(rejected.err).toMatch(/phone: /);
    expect((await withoutApiJson("prefs", "get", userId)).phone).toBe(reachableUser.phone);
    const notificationId = uniqueId("cli-topic");

    const published = await notify("--local-config", withoutApi, "--json", "publish", "--type", "order.shipped", "--user", userId, "--channel", "sms", "--data", '{"orderId":"T-2"}', "--id", notificationId);
    expect(published.code, published.err).toBe(0);
    await eventually("the sms sent", () => deliveries(notificationId), (rows) => rows[0]?.status === "sent");
  });

  it("broadcasts to an audience with publish --audience, and refuses --user and --audience together", async () => {
    const audienceId = uniqueId("cli-broadcast");
    await json("audience", "create", audienceId);
    const members = [uniqueId("cli-member"), uniqueId("cli-member")];
    await json("audience", "add", audienceId, ...members);
    const notificationId = uniqueId("cli-launch");
    expect(await json("publish", "--type", "order.shipped", "--audience", audienceId, "--channel", "in_app", "--data", '{"orderId":"L-1"}', "--id", notificationId)).toEqual({
      notificationId, audience: audienceId, recipients: 2, channels: ["in_app"],
    });
    await eventually("both members reached", () => deliveries(notificationId), (rows) => rows.filter((row) => row.status === "sent").length === 2);
    expect((await outbox(notificationId)).map((message) => message.userId).toSorted()).toEqual(members.toSorted());
    // A broadcast's trace is its expansion and its deliveries counted, not a line per recipient.
    await eventually("every shard's expansion done", () => call("GET", `/v1/notifications/${notificationId}`), (view) => view.body.expansion?.status === "done");
    // The summary moves when the events function reads the sends from the stream, just after the rows.
    await settled();
    expect(await json("trace", notificationId)).toEqual({ notificationId, audience: audienceId, recipients: 2, expansion: { status: "done", expanded: 2, total: 2 }, summary: { in_app: { sent: 2 } } });
    expect((await notify("trace", notificationId)).out).toContain("expansion done: 2 of 2 published\n  in_app  sent 2");
    // Its progress, from the header, checkpoints and summary alone.
    expect(await json("status", notificationId)).toEqual({ notificationId, audience: audienceId, expansion: { status: "done", expanded: 2, total: 2 }, deliveries: { decided: 2, total: 2 }, summary: { in_app: { sent: 2 } } });
    expect((await notify("status", notificationId, "--watch")).out).toContain("deliveries: 2 of 2 decided (100%)");
    expect(await notify("status", "no-such-broadcast")).toMatchObject({ code: 1, err: expect.stringContaining("no broadcast no-such-broadcast") });

    expect((await notify("publish", "--type", "order.shipped", "--user", "ada", "--audience", audienceId)).code).not.toBe(0);
    expect(await notify("publish", "--type", "order.shipped")).toMatchObject({ code: 2, err: expect.stringContaining("--user or broadcast with --audience") });
  });

  it("names what is wrong with bad arguments and exits non-zero", async () => {
    expect(await notify("prefs", "set", "ada", "not json")).toMatchObject({ code: 2, err: expect.stringContaining("the patch must be JSON") });
    expect(await notify("dlq", "list", "fax")).toMatchObject({ code: 1, err: expect.stringContaining("unknown channel \"fax\"") });
    expect(await notify("publish", "--type", "no.such_type", "--user", "ada")).toMatchObject({ code: 1, err: expect.stringContaining("unknown notification type") });
    expect((await notify("--local-config", "/nonexistent/local.json", "status")).err).toContain("npm start");
  });

  it.each([["status"], ["trace"], ["publish"], ["prefs", "get"], ["prefs", "set"], ["dlq", "list"], ["dlq", "redrive"], ["events", "tail"], ["audience", "create"], ["audience", "import"]])("has --help for %s", async (...command) => {
    const result = await notify(...command, "--help");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^Usage: notify /);
  });
  it("creates an audience and imports CSV, JSON-lines and plain files into it, refusing a bad file whole and adding nothing twice on a rerun", async () => {
    const audienceId = uniqueId("cli-aud");
    expect(await json("audience", "create", audienceId, "--name", "Launch list")).toMatchObject({ audienceId, name: "Launch list", members: 0 });
    const directory = mkdtempSync(join(tmpdir(), "notify-import-"));
    const ids = Array.from({ length: 2_500 }, (_, index) => `imported-${index}`);

    const csv = join(directory, "members.csv");
    writeFileSync(csv, `email,userId\n${ids.slice(0, 1_500).map((id) => `"${id}@example.com","${id}"`).join("\r\n")}\n`);
    expect(await json("audience", "import", audienceId, csv)).toEqual({ audienceId, read: 1_500, added: 1_500, members: 1_500 });
    // A rerun after an interruption finishes the job without counting anyone twice.
    expect(await json("audience", "import", audienceId, csv)).toEqual({ audienceId, read: 1_500, added: 0, members: 1_500 });

    const jsonLines = join(directory, "members.jsonl");
    writeFileSync(jsonLines, ids.slice(1_000).map((userId) => JSON.stringify({ userId })).join("\n"));
    expect(await json("audience", "import", audienceId, jsonLines)).toEqual({ audienceId, read: 1_500, added: 1_000, members: 2_500 });

    const plain = join(directory, "members.txt");
    writeFileSync(plain, `fresh-1\n\nfresh-2\nfresh-1\n`);
    expect((await notify("audience", "import", audienceId, plain)).out).toContain("read 2 member(s)");

    const bad = join(directory, "bad.jsonl");
    writeFileSync(bad, `{"userId":"ok-1"}\n{"userId":"has space"}\nnot json\n`);
    const refused = await notify("audience", "import", audienceId, bad);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("2 line(s) refused, nothing imported");
    expect(refused.err).toMatch(/line 2: userId "has space"/);
    expect(refused.err).toContain("line 3: no userId");

    expect(await json("audience", "remove", audienceId, "fresh-1", "never-in")).toEqual({ added: 0, removed: 1, members: 2_501 });
    expect((await json("audience", "show", audienceId)).members).toBe(2_501);
    const missing = await notify("audience", "show", uniqueId("no-such"));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("no audience");
  });
  it("pushes a template from a file, lists it, shows it, refuses a broken one naming the problem, and rolls back", async () => {
    const type = `cli.welcome_${uniqueId("t").slice(-8).replace(/-/g, "")}`;
    const directory = mkdtempSync(join(tmpdir(), "notify-templates-"));
    const definition = (subject: string) => ({
      type,
      category: "transactional",
      channels: ["in_app"],
      dataSchema: { type: "object", properties: { name: { type: "string" } }, examples: [{ name: "Ada" }] },
      locales: { en: { in_app: { title: subject, body: "Hi {{name}}" } } },
    });
    writeFileSync(join(directory, "welcome.json"), JSON.stringify(definition("Welcome")));
    expect(await json("templates", "push", directory)).toEqual([{ type, version: 1, active: true }]);
    writeFileSync(join(directory, "welcome.json"), JSON.stringify(definition("Welcome back")));
    expect(await json("templates", "push", join(directory, "welcome.json"))).toEqual([{ type, version: 2, active: true }]);

    expect((await json("templates", "list")).find((item: { type: string }) => item.type === type)).toMatchObject({ activeVersion: 2, versions: 2 });
    const shown = await json("templates", "show", type);
    expect(shown).toMatchObject({ type, version: 2, active: true, locales: { en: { in_app: { title: "Welcome back" } } } });
    // What show prints goes back in as it is.
    writeFileSync(join(directory, "welcome.json"), JSON.stringify(shown));
    expect(await json("templates", "push", join(directory, "welcome.json"))).toEqual([{ type, version: 3, active: true }]);

    writeFileSync(join(directory, "welcome.json"), JSON.stringify(definition("{{#if name}}Welcome")));
    const refused = await notify("templates", "push", directory);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/invalid_template|has 1 problem/);
    expect(refused.err).toContain("locales.en.in_app.title: line 1, column");

    const preview = await notify("templates", "preview", type, "--data", '{"name":"Bo"}');
    expect(preview.out).toContain("[in_app]\ntitle: Welcome back\nbody: Hi Bo");
    expect(await json("templates", "activate", type, "1")).toEqual({ type, activeVersion: 1 });
    const analytics = await notify("analytics", "--type", type, "--group-by", "channel");
    expect(analytics.code, analytics.err).toBe(0);
    expect(analytics.out).toMatch(new RegExp(`^${type.replace(".", "\\.")}, \\d{4}-\\d{2}-\\d{2} to \\d{4}-\\d{2}-\\d{2}: nothing counted`));
    // order.shipped has been sent by now: one line per channel under the column names.
    const shipped = (await notify("analytics", "--type", "order.shipped", "--group-by", "channel")).out.split("\n");
    expect(shipped[1]).toMatch(/accepted\s+sent\s+delivered\s+opened\s+clicked\s+bounced\s+complained\s+failed\s+delivery\s+open\s+click/);
    expect(shipped.some((line) => /^email\s+\d+\s+\d+/.test(line))).toBe(true);
    expect((await json("templates", "show", type, "--version", "2")).active).toBe(false);
    expect((await notify("templates", "activate", type, "9")).err).toContain(`template ${type} has no version 9`);
  });
});
