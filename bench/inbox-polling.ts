/**
 * `npm run bench:inbox`: what an idle user with `<notify-inbox>` open costs per hour, measured with
 * the component itself in headless Chromium against the local cloud, set beside a WebSocket.
 *
 * The page's clock is Playwright's fake one, moved through an hour in steps, so the component's
 * timers fire as they would in an hour while every poll really goes through the gateway, the
 * authorizer and the ingest function, and is counted at the SDK. Polling is run twice: at a fixed
 * 30 s, and with the component's default back-off (30 s growing by half per unchanged check, up to
 * 300 s). The authorizer's answers are cached per token for notify:userTokenCacheSeconds (300 s) on
 * AWS, so an hour calls it 12 times; its cost per call is measured here. A WebSocket API is priced
 * from its list prices and the same measured Lambda costs: an open connection bills connection
 * minutes, API Gateway drops a connection idle for 10 minutes (so the client pings every 9) and any
 * connection after 2 hours (so it reconnects, running an authorizer, a $connect and a $disconnect
 * function and writing and deleting a connection item).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { PROJECT_ROOT, startLocalCloud, type LocalCloud } from "#infra/local/local-cloud.ts";
import { usageBetween, type FunctionUsage, type UsageSnapshot } from "#infra/local/usage-ledger.ts";
import { AWS_PRICES, PRICES_CHECKED_ON } from "./aws-prices.ts";

const HOUR_SECONDS = 3600;
const STEP_SECONDS = 5;
const USER_TOKEN_CACHE_SECONDS = 300;
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const GB = 1024;

interface PollingHour {
  label: string;
  polls: number;
  requestsPerPoll: Record<string, number>;
  readUnitsPerPoll: number;
  ingestBilledMillisPerPoll: number;
  dollarsPerIdleUserHour: number;
}

const functionNamed = (usage: UsageSnapshot, part: string): [string, FunctionUsage] => {
  const found = Object.entries(usage.functions).find(([name]) => name.includes(part));
  if (!found) throw new Error(`no function named like ${part} in the usage`);
  return found;
};

/** Lambda's price for one invocation of this many billed milliseconds at this memory size. */
const lambdaDollars = (billedMillis: number, memorySize: number) => AWS_PRICES.lambda.perMillionRequests / 1e6 + (billedMillis / 1000) * (memorySize / GB) * AWS_PRICES.lambda.perGbSecondArm64;

async function seedInbox(cloud: LocalCloud, userId: string): Promise<void> {
  for (let index = 1; index <= 5; index++) {
    const response = await fetch(`${cloud.apiUrl}/v1/notifications`, { method: "POST", body: JSON.stringify({ type: "order.shipped", recipients: [{ userId }], channels: ["in_app"], data: { orderId: `IDLE-${index}` } }) });
    if (response.status !== 202) throw new Error(`seeding the inbox failed: HTTP ${response.status}`);
  }
  await cloud.settled(60_000);
}

/** One idle hour of an open inbox page, with the component's poll settings. */
async function idleHour(cloud: LocalCloud, label: string, userId: string, poll: { seconds: number; maxSeconds: number }): Promise<{ hour: PollingHour; usage: UsageSnapshot }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  try {
    const page = await browser.newPage();
    await page.clock.install();
    await page.goto(`${cloud.apiUrl}/_local/demo?user=${userId}&poll=${poll.seconds}&maxPoll=${poll.maxSeconds}`);
    await page.locator("notify-inbox .badge").waitFor({ state: "visible" });
    await cloud.settled(30_000);
    const before = cloud.usage.snapshot();
    for (let elapsed = 0; elapsed < HOUR_SECONDS; elapsed += STEP_SECONDS) {
      await page.clock.fastForward(STEP_SECONDS * 1000);
      // A poll is a real request: give it time to finish before the next step.
      await page.waitForTimeout(25);
    }
    await cloud.settled(30_000);
    const usage = usageBetween(before, cloud.usage.snapshot());
    const [, ingest] = functionNamed(usage, "Ingest");
    const polls = ingest.invocations;
    // The event sources poll SQS and Kinesis meanwhile whatever the page does: only the tables' requests are the inbox's.
    const requestsPerPoll = Object.fromEntries(Object.entries(usage.requests).filter(([key, tally]) => key.startsWith("table/") && tally.requests > 0).map(([key, tally]) => [key.slice("table/".length), tally.requests / polls]));
    const readUnits = Object.entries(usage.requests).filter(([key]) => key.startsWith("dynamodb.")).reduce((total, [, tally]) => total + tally.readUnits, 0);
    const readUnitsPerPoll = readUnits / polls;
    const ingestBilledMillisPerPoll = ingest.billedMillis / polls;
    const perPoll = AWS_PRICES.apigateway.httpPerMillionRequests / 1e6 + lambdaDollars(ingestBilledMillisPerPoll, ingest.memorySize) + (readUnitsPerPoll * AWS_PRICES.dynamodb.perMillionReadUnits) / 1e6;
    const hour: PollingHour = { label, polls, requestsPerPoll, readUnitsPerPoll, ingestBilledMillisPerPoll, dollarsPerIdleUserHour: polls * perPoll };
    return { hour, usage };
  } finally {
    await browser.close();
  }
}

/**
 * The authorizer's cost per call, from a warm call with a token it has not seen. Its key is cached
 * per execution environment, which serves every user, so a user's share of the Secrets Manager reads
 * is negligible and is left out.
 */
async function authorizerCall(cloud: LocalCloud, userId: string): Promise<number> {
  const call = async (suffix: string) => {
    const token = await (await fetch(`${cloud.apiUrl}/_local/token?user=${userId}-${suffix}`)).text();
    const answer = await fetch(`${cloud.apiUrl}/v1/me/preferences`, { headers: { authorization: `Bearer ${token}` } });
    if (answer.status !== 200) throw new Error(`the authorizer refused a fresh token: HTTP ${answer.status}`);
  };
  await call("cold");
  const before = cloud.usage.snapshot();
  await call("warm");
  const [, authorizer] = functionNamed(usageBetween(before, cloud.usage.snapshot()), "UserAuthorizer");
  return lambdaDollars(authorizer.billedMillis / authorizer.invocations, authorizer.memorySize);
}

const cloud = await startLocalCloud({
  port: 0,
  stateDir: join(PROJECT_ROOT, ".notify", `bench-inbox-${process.pid}`),
  // As deployed by default: answers of the authorizer and its key kept 300 s, the template cache on.
  context: { "notify:pushDeliveryStatusLogGroups": "", "notify:templateCacheSeconds": 30, "notify:userTokenCacheSeconds": USER_TOKEN_CACHE_SECONDS },
});
try {
  const userId = `idle-${process.pid}`;
  await seedInbox(cloud, userId);
  const authorizerDollars = await authorizerCall(cloud, userId);
  const authorizerCallsPerHour = HOUR_SECONDS / USER_TOKEN_CACHE_SECONDS;
  const fixed = await idleHour(cloud, "polling every 30 s", userId, { seconds: 30, maxSeconds: 30 });
  const backingOff = await idleHour(cloud, "polling, 30 s backing off to 300 s (default)", userId, { seconds: 30, maxSeconds: 300 });
  for (const run of [fixed, backingOff]) run.hour.dollarsPerIdleUserHour += authorizerCallsPerHour * authorizerDollars;

  // The WebSocket alternative, priced: 60 connection minutes, a ping every 9 minutes, a reconnect every 2 hours.
  const [, ingest] = functionNamed(fixed.usage, "Ingest");
  const connectionFunctionDollars = lambdaDollars(fixed.hour.ingestBilledMillisPerPoll, ingest.memorySize);
  const reconnectsPerHour = 0.5;
  const websocketDollars =
    (60 * AWS_PRICES.apigateway.websocketPerMillionConnectionMinutes) / 1e6 +
    ((HOUR_SECONDS / 540) * AWS_PRICES.apigateway.websocketPerMillionMessages) / 1e6 +
    reconnectsPerHour * (AWS_PRICES.apigateway.websocketPerMillionMessages / 1e6 + authorizerDollars + 2 * connectionFunctionDollars + (2 * AWS_PRICES.dynamodb.perMillionWriteUnits) / 1e6);

  const rows = [fixed.hour, backingOff.hour];
  const perMillionUsers = (dollars: number) => (dollars * 1e6).toFixed(0);
  console.log(`\nAn idle user with <notify-inbox> open for an hour (AWS list prices of ${PRICES_CHECKED_ON}):\n`);
  console.log("| live updates | requests to the API in the hour | per request | $ per idle user-hour | $ per million idle user-hours |");
  console.log("|---|---:|---|---:|---:|");
  for (const row of rows) {
    const perRequest = Object.entries(row.requestsPerPoll).map(([key, count]) => `${key} ${count.toFixed(2)}`).join(", ");
    console.log(`| ${row.label} | ${row.polls} | ${perRequest}; ${row.readUnitsPerPoll.toFixed(1)} read units, ${row.ingestBilledMillisPerPoll.toFixed(0)} ms ingest | ${row.dollarsPerIdleUserHour.toFixed(7)} | ${perMillionUsers(row.dollarsPerIdleUserHour)} |`);
  }
  console.log(`| WebSocket (modelled) | ${(HOUR_SECONDS / 540).toFixed(1)} pings, ${reconnectsPerHour} reconnects | 60 connection minutes | ${websocketDollars.toFixed(7)} | ${perMillionUsers(websocketDollars)} |`);
  const cheaper = websocketDollars < backingOff.hour.dollarsPerIdleUserHour ? "a WebSocket" : "polling with back-off";
  const ratio = Math.max(websocketDollars, backingOff.hour.dollarsPerIdleUserHour) / Math.min(websocketDollars, backingOff.hour.dollarsPerIdleUserHour);
  const verdict = ratio < 1.05 ? "polling with back-off and a WebSocket cost the same, within 5%" : `${cheaper} is cheaper, by ${ratio.toFixed(2)}x`;
  console.log(`\nPer idle user-hour ${verdict}; polling at a fixed 30 s costs ${(fixed.hour.dollarsPerIdleUserHour / websocketDollars).toFixed(1)}x a WebSocket. Authorizer: ${authorizerCallsPerHour} calls an hour at $${authorizerDollars.toFixed(9)} each.`);

  const output = join(PROJECT_ROOT, ".notify", "bench");
  mkdirSync(output, { recursive: true });
  writeFileSync(join(output, "inbox-polling.json"), `${JSON.stringify({ pricesCheckedOn: PRICES_CHECKED_ON, polling: rows, websocketDollarsPerIdleUserHour: websocketDollars, authorizerDollarsPerCall: authorizerDollars }, null, 2)}\n`);
} finally {
  await cloud.stop();
}
