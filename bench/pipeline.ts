/**
 * `npm run bench`: what a channel delivery costs and how fast the local cloud delivers, in one run.
 *
 * The default configuration runs a warm-up round, then three sizes; requests per delivery are
 * counted at the SDK (every function's clients and the event sources' pollers), priced with AWS
 * list prices, and set beside the floor this architecture allows. A naive configuration (batch size
 * 1, one publish per recipient) then runs the smallest size on a fresh local cloud.
 * A burst of concurrent API requests ends each cloud's run. Each scenario's hottest DynamoDB
 * partition key is set beside AWS's per-partition limits, and a broadcast runs once more on a cloud
 * whose limits are scaled down, where it overloads its key. The figures go to stdout and to
 * .notify/bench/latest.json.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mintUserToken, parseUserTokenSecret } from "#shared/domain/user-token.ts";
import { PROJECT_ROOT, startLocalCloud, type LocalCloud } from "#infra/local/local-cloud.ts";
import { usageBetween, type UsageSnapshot } from "#infra/local/usage-ledger.ts";
import { apiBurst, type BurstResult } from "./api-burst.ts";
import { PRICES_CHECKED_ON } from "./aws-prices.ts";
import { BILLED_SERVICES, fixedMonthlyCost, floorOf, priceRun, type PricedRun, type Workload } from "./cost-model.ts";
import { percentile, RECIPIENTS_PER_REQUEST, runRound, seedUsers, type RoundResult } from "./delivery-workload.ts";
import { runBroadcast } from "./broadcast-workload.ts";
import { runBroadcastScale } from "./broadcast-scale.ts";
import { runDigestRound, type DigestRoundResult } from "./digest-workload.ts";
import { heatLine, modelledBroadcastHeat, withHeat, type ScenarioHeat } from "./partition-heat.ts";
import { rowShardsFor } from "#shared/domain/broadcast-rows.ts";
import { EXPANSION_PAGE_SIZE } from "#shared/domain/broadcast-expansion.ts";
import { AUDIENCE_SHARDS } from "#shared/domain/audience.ts";

const SIZES = (process.env.BENCH_SIZES ?? "1000,4000,16000").split(",").map(Number);
const NAIVE_SIZE = Number(process.env.BENCH_NAIVE_SIZE ?? SIZES[0]);
const BURST_REQUESTS = Number(process.env.BENCH_BURST_REQUESTS ?? 1000);
const BROADCAST_MEMBERS = Number(process.env.BENCH_BROADCAST_MEMBERS ?? 100_000);
const BROADCAST_SCALE = (process.env.BENCH_BROADCAST_SCALE ?? "10000,100000,1000000").split(",").map(Number);
const DIGEST_WINDOWS = Number(process.env.BENCH_DIGEST_WINDOWS ?? 1000);
const DIGEST_LIKES_PER_WINDOW = Number(process.env.BENCH_DIGEST_LIKES_PER_WINDOW ?? 4);
/** The per-partition limits of the hot-key run: a tenth of AWS's, which one key of a local broadcast would overload. */
const HOT_PARTITION_SCALE = Number(process.env.BENCH_HOT_PARTITION_SCALE ?? 0.1);
/** The broadcast the hot-key run delivers at those limits. */
const HOT_BROADCAST_MEMBERS = Number(process.env.BENCH_HOT_BROADCAST_MEMBERS ?? 20_000);
/** The broadcast and the rates the hottest keys are modelled at on AWS: the default publish rate and the us-east-1 SNS quota. */
const MODELLED_MEMBERS = 1_000_000;
const MODELLED_RATES = [10_000, 30_000];
/** notify:broadcastPublishRate's default, which the modelled expansion on AWS runs at. */
const DEFAULT_BROADCAST_PUBLISH_RATE = 10_000;
/**
 * cdk.json's configuration: the local cloud turns push receipts on and the template cache off (an
 * activation shows at once), which a default deployment has the other way round.
 */
const DEFAULT_CONTEXT = { "notify:pushDeliveryStatusLogGroups": "", "notify:templateCacheSeconds": 30 };
const NAIVE_CONTEXT = { ...DEFAULT_CONTEXT, "notify:workerBatchSize": 1, "notify:publishBatchSize": 1 };
/** The delivery-events stream's shards in the default configuration (cdk.json). */
const SHARDS = 1;

interface SizeResult {
  deliveries: number;
  heat: ScenarioHeat | undefined;
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  rssBytes: number;
  priced: PricedRun;
}

function workloadOf(round: RoundResult): Workload {
  return { deliveries: round.deliveries, recipients: round.recipients, publishRequests: round.publishRequests, inAppDeliveries: round.inAppDeliveries };
}

async function measuredRound(cloud: LocalCloud, name: string, deliveries: number): Promise<{ round: RoundResult; usage: UsageSnapshot; rssBytes: number }> {
  await cloud.settled(120_000);
  const before = cloud.usage.snapshot();
  const round = await runRound(cloud, name, deliveries);
  // Counted once everything the round started has finished, stream consumers included.
  await cloud.settled(300_000);
  return { round, usage: usageBetween(before, cloud.usage.snapshot()), rssBytes: process.memoryUsage().rss };
}

async function withCloud<T>(name: string, context: Record<string, unknown>, use: (cloud: LocalCloud) => Promise<T>, { partitionThroughputScale = 1, warmUp = true } = {}): Promise<T> {
  const stateDir = join(PROJECT_ROOT, ".notify", `bench-${name}-${process.pid}`);
  const cloud = await startLocalCloud({ port: 0, stateDir, context, partitionThroughputScale });
  try {
    if (warmUp) {
      await seedUsers(cloud);
      await runRound(cloud, `${name}-warmup`, 1_000);
    }
    return await use(cloud);
  } finally {
    await cloud.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const money = (value: number) => `$${value.toFixed(3)}`;
const fixed = (value: number, digits = 3) => value.toFixed(digits);
const mb = (bytes: number) => `${Math.round(bytes / 1024 ** 2)} MB`;

function requestRows(label: string, priced: PricedRun): string {
  const { byService, total } = priced.requestsPerDelivery;
  return `  ${label.padEnd(8)} ${BILLED_SERVICES.map((service) => fixed(byService[service]).padStart(9)).join("")} ${fixed(total).padStart(9)}`;
}

function costRows(label: string, priced: PricedRun): string {
  const { byService, total } = priced.costPerMillionDeliveries;
  return `  ${label.padEnd(8)} ${[...BILLED_SERVICES, "logs", "other"].map((service) => money(byService[service as keyof typeof byService]).padStart(9)).join("")} ${money(total).padStart(9)}`;
}

function burstLine(label: string, burst: BurstResult, rssBytes: number): string {
  const statuses = Object.entries(burst.statuses).sort().map(([status, count]) => `${status}: ${count}`).join(", ");
  return `  ${label}: ${burst.requests} concurrent requests (publishes, bad JSON, deep nesting, 4 KB tokens, long links, 1,001 members, forged unsubscribes, long ids, one user's 100 PATCHes) → ${statuses}; ${burst.unexpected} answers outside 2xx/3xx/4xx/503; slowest ${(burst.slowestMillis / 1000).toFixed(1)} s; local cloud ${mb(rssBytes)} after`;
}

/** A digest round priced per like: joining, the release (its digests' delivery included) and both, against the same likes sent undigested. */
function digestFigures(round: DigestRoundResult) {
  const perLike = (usage: UsageSnapshot) => priceRun(usage, { deliveries: round.likes, recipients: round.likes, publishRequests: round.likes / RECIPIENTS_PER_REQUEST, inAppDeliveries: 0 });
  const join = perLike(round.join.usage);
  const release = perLike(round.release.usage);
  const undigested = priceRun(round.baseline.usage, { deliveries: round.likes, recipients: round.likes, publishRequests: round.likes / RECIPIENTS_PER_REQUEST, inAppDeliveries: round.likes });
  const total = join.requestsPerDelivery.total + release.requestsPerDelivery.total;
  return {
    windows: round.windows,
    likesPerWindow: round.likes / round.windows,
    likesJoinedPerSecond: round.likes / (round.join.elapsedMillis / 1000),
    windowsReleasedPerSecond: round.windows / (round.release.elapsedMillis / 1000),
    requestsPerLike: { join: join.requestsPerDelivery, release: release.requestsPerDelivery, total },
    requestsPerUndigestedDelivery: undigested.requestsPerDelivery,
    extraRequestsPerDigestedNotification: total - undigested.requestsPerDelivery.total,
    releaseRequestsPerWindow: (release.requestsPerDelivery.total * round.likes) / round.windows,
    dynamodbWritesPerLike: join.dynamodbWritesPerDelivery + release.dynamodbWritesPerDelivery,
    dynamodbWritesPerUndigestedDelivery: undigested.dynamodbWritesPerDelivery,
    operationsPerLike: { join: join.operationsPerDelivery, release: release.operationsPerDelivery },
    costPerMillionLikes: join.costPerMillionDeliveries.total + release.costPerMillionDeliveries.total,
    costPerMillionUndigested: undigested.costPerMillionDeliveries.total,
  };
}

/** A user token minted as an application's backend mints it, on the cloud's clock. */
async function userTokenOn(cloud: LocalCloud, userId: string): Promise<string> {
  const secretsManager = new SecretsManagerClient({ region: cloud.region, endpoint: cloud.endpoints.secretsmanager, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: cloud.outputs.UserTokenSecretArn }));
  return mintUserToken(userId, parseUserTokenSecret(SecretString!), cloud.clock.now());
}

const started = performance.now();
console.log(`bench: sizes ${SIZES.join(", ")} channel deliveries (default), ${NAIVE_SIZE} (naive); 100 recipients per request; prices of ${PRICES_CHECKED_ON}`);

const defaultRun = await withCloud("default", DEFAULT_CONTEXT, async (cloud) => {
  const sizes: SizeResult[] = [];
  let largest: Workload | undefined;
  let largestUsage: UsageSnapshot | undefined;
  for (const size of SIZES) {
    const { result, heat } = await withHeat(cloud, () => measuredRound(cloud, `default-${size}`, size), () => size);
    const { round, usage, rssBytes } = result;
    largest = workloadOf(round);
    largestUsage = usage;
    const deliveriesPerSecond = round.deliveries / (round.elapsedMillis / 1000);
    sizes.push({ deliveries: size, heat, deliveriesPerSecond, p50Ms: percentile(round.latenciesMillis, 0.5), p99Ms: percentile(round.latenciesMillis, 0.99), rssBytes, priced: priceRun(usage, workloadOf(round)) });
    console.log(`  default ${String(size).padStart(6)} deliveries: ${deliveriesPerSecond.toFixed(0)}/s, p50 ${sizes.at(-1)!.p50Ms} ms, p99 ${sizes.at(-1)!.p99Ms} ms, ${mb(rssBytes)}`);
  }
  const floor = floorOf(largest!, largestUsage!);
  const burst = await apiBurst(cloud.apiUrl, BURST_REQUESTS, "default", await userTokenOn(cloud, "burst-browser"));
  await cloud.settled(300_000);
  const rssAfterBurst = process.memoryUsage().rss;
  const { result: digest, heat: digestHeat } = await withHeat(cloud, () => runDigestRound(cloud, "digest", DIGEST_WINDOWS, DIGEST_LIKES_PER_WINDOW), (round) => round.likes);
  const { result: broadcast, heat: broadcastHeat, report: broadcastPartitions } = await withHeat(cloud, () => runBroadcast(cloud, `broadcast-${BROADCAST_MEMBERS}`, BROADCAST_MEMBERS), (round) => round.members);
  // The bench's broadcast is on one channel, in_app.
  const measured = { members: broadcast.members, channels: 1, rowShards: rowShardsFor(broadcast.members, 1) };
  const modelled = MODELLED_RATES.map((recipientsPerSecond) => ({
    recipientsPerSecond,
    tables: modelledBroadcastHeat(broadcastPartitions, measured, { members: MODELLED_MEMBERS, rowShards: rowShardsFor(MODELLED_MEMBERS, 1), recipientsPerSecond }),
  }));
  const broadcastPriced = priceRun(broadcast.usage, { deliveries: broadcast.members, recipients: broadcast.members, publishRequests: 1, inAppDeliveries: broadcast.members });
  const broadcastFigures = { members: broadcast.members, elapsedMillis: broadcast.elapsedMillis, priced: broadcastPriced, rssBytes: process.memoryUsage().rss, heat: broadcastHeat, modelled };
  return { sizes, floor, burst, rssAfterBurst, digest, digestHeat, broadcast: broadcastFigures };
});

/**
 * A bigger broadcast on a cloud whose partition limits are scaled down, at a local rate that would
 * overload one key as 10,000 recipients a second would on AWS: with its rows spread, no write is
 * throttled.
 */
const hotRun = await withCloud(
  "hot-partitions",
  DEFAULT_CONTEXT,
  async (cloud) => {
    const { result, heat } = await withHeat(cloud, () => runBroadcast(cloud, `hot-broadcast-${HOT_BROADCAST_MEMBERS}`, HOT_BROADCAST_MEMBERS), (round) => round.members);
    const throttled = Object.values(result.usage.requests).reduce((sum, usage) => sum + usage.throttled, 0);
    return { members: result.members, membersPerSecond: result.members / (result.elapsedMillis / 1000), heat, throttledAtTheSdk: throttled };
  },
  { partitionThroughputScale: HOT_PARTITION_SCALE, warmUp: false },
);

/**
 * Expansion at scale on a fresh cloud: after the end-to-end broadcast, the default cloud holds its
 * 100,000 deliveries' rows and inbox items in memory, which slows every emulator beside the expander.
 */
const scaleRun = await withCloud("broadcast-scale", DEFAULT_CONTEXT, (cloud) => runBroadcastScale(cloud, BROADCAST_SCALE), { warmUp: false });

const naiveRun = await withCloud("naive", NAIVE_CONTEXT, async (cloud) => {
  const { round, usage } = await measuredRound(cloud, `naive-${NAIVE_SIZE}`, NAIVE_SIZE);
  return priceRun(usage, workloadOf(round));
});

const reference = defaultRun.sizes.at(-1)!.priced;
const ratio = (service: (typeof BILLED_SERVICES)[number]) => naiveRun.requestsPerDelivery.byService[service] / reference.requestsPerDelivery.byService[service];
const report = {
  measuredAt: new Date().toISOString(),
  pricesCheckedOn: PRICES_CHECKED_ON,
  fixedMonthlyCost: fixedMonthlyCost(SHARDS),
  requestsPerDelivery: { default: reference.requestsPerDelivery, naive: naiveRun.requestsPerDelivery, floor: defaultRun.floor.requestsPerDelivery },
  operationsPerDelivery: { default: reference.operationsPerDelivery, naive: naiveRun.operationsPerDelivery },
  dynamodbWritesPerDelivery: reference.dynamodbWritesPerDelivery,
  dynamodbWriteUnitsPerDelivery: reference.dynamodbWriteUnitsPerDelivery,
  /** What template lookup and engagement analytics add to a delivery: their tables' requests. */
  templatesAndAnalyticsPerDelivery: Object.fromEntries(Object.entries(reference.tablesPerDelivery).filter(([table]) => /-(templates|analytics)$/.test(table))),
  costPerMillionDeliveries: { default: reference.costPerMillionDeliveries, naive: naiveRun.costPerMillionDeliveries, floor: defaultRun.floor.costPerMillionDeliveries },
  naiveOverDefault: { ...Object.fromEntries(BILLED_SERVICES.map((service) => [service, ratio(service)])), cost: naiveRun.costPerMillionDeliveries.total / reference.costPerMillionDeliveries.total },
  defaultOverFloor: reference.costPerMillionDeliveries.total / defaultRun.floor.costPerMillionDeliveries.total,
  handlers: reference.functions,
  sizes: defaultRun.sizes.map(({ priced, ...size }) => ({ ...size, requestsPerDelivery: priced.requestsPerDelivery.total, costPerMillionDeliveries: priced.costPerMillionDeliveries.total })),
  /** Each scenario's hottest DynamoDB partition key, against AWS's per-partition limits. */
  hottestPartitions: {
    direct: defaultRun.sizes.at(-1)!.heat,
    digests: defaultRun.digestHeat,
    broadcast: defaultRun.broadcast.heat,
    broadcastAtScaledLimits: { scale: HOT_PARTITION_SCALE, ...hotRun },
    /** Each table's hottest key for a broadcast of MODELLED_MEMBERS at each rate, from the measured broadcast's keys. */
    broadcastModelledOnAws: { members: MODELLED_MEMBERS, rates: defaultRun.broadcast.modelled },
  },
  burst: { ...defaultRun.burst, rssBytesAfter: defaultRun.rssAfterBurst },
  digests: digestFigures(defaultRun.digest),
  broadcast: {
    members: defaultRun.broadcast.members,
    membersPerSecond: defaultRun.broadcast.members / (defaultRun.broadcast.elapsedMillis / 1000),
    requestsPerRecipient: defaultRun.broadcast.priced.requestsPerDelivery,
    operationsPerRecipient: defaultRun.broadcast.priced.operationsPerDelivery,
    expander: Object.fromEntries(Object.entries(defaultRun.broadcast.priced.functions).filter(([name]) => name.includes("Expander"))),
    costPerMillionRecipients: defaultRun.broadcast.priced.costPerMillionDeliveries.total,
    rssBytesAfter: defaultRun.broadcast.rssBytes,
  },
  broadcastScale: {
    ...scaleRun,
    /**
     * On AWS a page's work is short of its share of the rate (16 shards x 200 members at 10,000/s is
     * 320 ms a page), so 1,000,000 members expand in 1,000,000 / rate seconds; were a page's CPU
     * longer, the shards would set the pace instead.
     */
    modelledSecondsForMillionAtDefaultRate: Math.max(
      1_000_000 / DEFAULT_BROADCAST_PUBLISH_RATE,
      (1_000_000 / (EXPANSION_PAGE_SIZE * AUDIENCE_SHARDS)) * (scaleRun.rounds.at(-1)!.expanderCpuMillisPerPage / 1000),
    ),
  },
  durationSeconds: (performance.now() - started) / 1000,
};
const outDir = join(PROJECT_ROOT, ".notify", "bench");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);

console.log(`
pipeline on the local cloud (${SIZES.length} sizes, after a warm-up round)
  deliveries   per second   p50 ms   p99 ms   resident memory   requests/delivery   $/million
${report.sizes.map((size) => `  ${String(size.deliveries).padStart(10)} ${size.deliveriesPerSecond.toFixed(0).padStart(12)} ${String(size.p50Ms).padStart(8)} ${String(size.p99Ms).padStart(8)} ${mb(size.rssBytes).padStart(17)} ${fixed(size.requestsPerDelivery).padStart(19)} ${money(size.costPerMillionDeliveries).padStart(11)}`).join("\n")}

requests per channel delivery (Lambda: invocations), counted at the SDK
  config   ${BILLED_SERVICES.map((service) => service.padStart(9)).join("")}     total
${requestRows("default", reference)}
${requestRows("naive", naiveRun)}
${requestRows("floor", defaultRun.floor)}
  naive / default: ${BILLED_SERVICES.map((service) => `${service} ${ratio(service).toFixed(1)}x`).join(", ")}

dollars per million channel deliveries (us-east-1 list prices of ${PRICES_CHECKED_ON}), besides $${report.fixedMonthlyCost.kinesisShardHours.toFixed(2)} a month for ${SHARDS} stream shard
  config   ${[...BILLED_SERVICES, "logs", "other"].map((service) => service.padStart(9)).join("")}     total
${costRows("default", reference)}
${costRows("naive", naiveRun)}
${costRows("floor", defaultRun.floor)}
  default / floor ${report.defaultOverFloor.toFixed(2)}x; naive / default ${report.naiveOverDefault.cost.toFixed(1)}x
  DynamoDB writes per delivery: ${fixed(report.dynamodbWritesPerDelivery)} (${fixed(report.dynamodbWriteUnitsPerDelivery)} write units)

template lookup and analytics per delivery (default, largest size): ${Object.entries(report.templatesAndAnalyticsPerDelivery).map(([table, { reads, writes }]) => `${table} ${reads.toFixed(4)} reads, ${writes.toFixed(4)} writes`).join("; ") || "no requests"}

operations per delivery (default): ${Object.entries(reference.operationsPerDelivery).sort().map(([key, value]) => `${key} ${fixed(value)}`).join(", ")}

handler time (default, largest size)
${Object.entries(reference.functions).map(([name, fn]) => `  ${name.padEnd(28)} CPU ${fn.cpuMillisPerMessage.toFixed(2).padStart(6)} ms/message, billed ${fn.billedMillisPerDelivery.toFixed(2).padStart(6)} ms/delivery, ${fn.invocationsPerDelivery.toFixed(3)} invocations/delivery, ${fn.logBytesPerDelivery.toFixed(0)} log bytes/delivery`).join("\n")}

burst
${burstLine("default", defaultRun.burst, defaultRun.rssAfterBurst)}

digests: ${report.digests.windows} windows of ${report.digests.likesPerWindow} likes each (social.comment_liked, in_app), counted at the SDK
  ${report.digests.windowsReleasedPerSecond.toFixed(0)} windows released/s (clock past their close to the last digest sent); likes joined ${report.digests.likesJoinedPerSecond.toFixed(0)}/s
  requests per like: joining ${fixed(report.digests.requestsPerLike.join.total)}, release ${fixed(report.digests.requestsPerLike.release.total)} (${fixed(report.digests.releaseRequestsPerWindow, 1)} a window, its digest's delivery included), in all ${fixed(report.digests.requestsPerLike.total)}
  sent undigested: ${fixed(report.digests.requestsPerUndigestedDelivery.total)} a delivery; a digested notification costs ${report.digests.extraRequestsPerDigestedNotification >= 0 ? "+" : ""}${fixed(report.digests.extraRequestsPerDigestedNotification)} requests (DynamoDB writes ${fixed(report.digests.dynamodbWritesPerLike)} vs ${fixed(report.digests.dynamodbWritesPerUndigestedDelivery)})
  joining, by operation: ${Object.entries(report.digests.operationsPerLike.join).sort().map(([key, value]) => `${key} ${fixed(value)}`).join(", ")}
  ${money(report.digests.costPerMillionLikes)} per million likes digested, ${money(report.digests.costPerMillionUndigested)} sent one by one

broadcast of one in-app notification to ${report.broadcast.members} audience members (expansion and delivery), counted at the SDK
  ${report.broadcast.membersPerSecond.toFixed(0)} members/s; ${money(report.broadcast.costPerMillionRecipients)} per million recipients; local cloud ${mb(report.broadcast.rssBytesAfter)} after
  requests per recipient: ${BILLED_SERVICES.map((service) => `${service} ${fixed(report.broadcast.requestsPerRecipient.byService[service])}`).join(", ")}, total ${fixed(report.broadcast.requestsPerRecipient.total)}
  expander: ${Object.entries(report.broadcast.expander).map(([name, fn]) => `${name} ${fn.invocationsPerDelivery.toFixed(4)} invocations/recipient, billed ${fn.billedMillisPerDelivery.toFixed(2)} ms/recipient`).join("; ")}

hottest DynamoDB partition key per scenario (AWS allows 1,000 write and 3,000 read units a second per key, on demand too)
${heatLine(`direct, ${defaultRun.sizes.at(-1)!.deliveries}`, report.hottestPartitions.direct)}
${heatLine("digests", report.hottestPartitions.digests)}
${heatLine(`broadcast, ${report.broadcast.members}`, report.hottestPartitions.broadcast, { perSecond: DEFAULT_BROADCAST_PUBLISH_RATE, what: "recipients (notify:broadcastPublishRate)" })}
${heatLine(`broadcast, ${hotRun.members} members, limits x${HOT_PARTITION_SCALE}`, hotRun.heat)}
    delivered ${hotRun.membersPerSecond.toFixed(0)} members/s with ${hotRun.throttledAtTheSdk} attempts throttled at the SDK${hotRun.heat ? `; its hottest key's busiest second took ${hotRun.heat.peakWriteUnitsPerSecond.toFixed(0)} of ${hotRun.heat.limits.writeUnitsPerSecond} write units` : ""}
  a ${MODELLED_MEMBERS.toLocaleString("en-US")}-member broadcast on AWS, each table's hottest key (modelled from the ${report.broadcast.members}-member broadcast's keys):
${defaultRun.broadcast.modelled.map(({ recipientsPerSecond, tables }) => `    at ${recipientsPerSecond.toLocaleString("en-US")} recipients/s: ${tables.toSorted((a, b) => b.shareOfLimit - a.shareOfLimit).map((table) => `${table.table.replace(/^Notify-/, "")} ${(table.shareOfLimit * 100).toFixed(0)}%`).join(", ")} of a key's limit`).join("\n")}

broadcast at scale (in-app bulk lane paused: expansion alone), local SNS PublishBatch ceiling ${report.broadcastScale.snsCeilingPerSecond.toFixed(0)} messages/s
${report.broadcastScale.rounds.map((round) => `  ${String(round.members).padStart(7)} members: import ${round.importMembersPerSecond.toFixed(0)} members/s; expanded ${round.expandedPerSecond.toFixed(0)} recipients/s (${(round.expandedPerSecond / report.broadcastScale.snsCeilingPerSecond).toFixed(2)} of the SNS ceiling); expander ${round.expanderCpuMillisPerPage.toFixed(1)} ms CPU a page, peak heap ${mb(round.expanderPeakHeapBytes)}`).join("\n")}
  transactional in-app probe published mid-expansion: sent in ${report.broadcastScale.probeLatencyMillis.toFixed(0)} ms
  modelled on AWS at notify:broadcastPublishRate ${DEFAULT_BROADCAST_PUBLISH_RATE}: 1,000,000 members expand in ${report.broadcastScale.modelledSecondsForMillionAtDefaultRate.toFixed(0)} s

wrote .notify/bench/latest.json in ${report.durationSeconds.toFixed(0)} s`);
