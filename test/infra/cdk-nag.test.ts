import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Validations, type Environment } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { describe, expect, it } from "vitest";
import { createNotifyApp } from "#infra/notify-app.ts";

const DEPLOYED = { account: "111122223333", region: "eu-west-1" };

const CONFIGURATIONS: Record<string, { context: Record<string, unknown>; env?: Environment }> = {
  "default, environment-agnostic": { context: {} },
  "default, as `cdk deploy` resolves the account and region": { context: {}, env: DEPLOYED },
  "SMS through SNS, as on LocalStack": { context: { "notify:smsService": "sns" } },
  "batching window with express queues": { context: { "notify:workerBatchingWindowSeconds": 2 } },
  "customer-managed key": { context: { "notify:customerManagedKey": true }, env: DEPLOYED },
  "push receipts from delivery status logs, the LocalStack profile": {
    context: { "notify:pushDeliveryStatusLogGroups": "sns/eu-west-1/111122223333/app/GCM/mobile", "notify:httpApi": "false", "notify:sesConfigurationSet": "false" },
    env: DEPLOYED,
  },
};

function notifyApp(context: Record<string, unknown>, env?: Environment) {
  return createNotifyApp({ outdir: mkdtempSync(join(tmpdir(), "notify-nag-")), context: { "aws:cdk:bundling-stacks": [], ...context }, env });
}

function acknowledgements(app: ReturnType<typeof notifyApp>["app"]): Array<{ path: string; id: string; reason: string }> {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason }))),
  );
}

describe("cdk-nag AwsSolutions pack", () => {
  for (const [name, { context, env }] of Object.entries(CONFIGURATIONS)) {
    it(`synthesizes with no unacknowledged finding: ${name}`, () => {
      expect(() => notifyApp(context, env).app.synth()).not.toThrow();
    });
  }

  it("justifies every acknowledgement in at least one sentence and names the finding it covers", () => {
    const { app } = notifyApp({ "notify:smsService": "sns", "notify:customerManagedKey": true }, DEPLOYED);
    const acknowledged = acknowledgements(app);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledged) {
      expect(id, path).toMatch(/::AwsSolutions-[A-Z]+\d+/);
      expect(reason, `${path} ${id}`).toMatch(/^[A-Z].{40,}\.$/);
    }
    // Wildcard acknowledgements cover one resource each, never the whole IAM5 rule.
    for (const { id } of acknowledged.filter(({ id }) => id.includes("IAM5"))) expect(id).toMatch(/IAM5\[(Resource::.+|Action::kms:[A-Za-z]+\*)\]$/);
  });

  it("fails the synth when a new wildcard grant appears without a reason", () => {
    const { app, stack } = notifyApp({});
    const ingest = stack.node.findAll().find((construct) => construct.node.path === "Notify/Ingest/Function") as LambdaFunction;
    ingest.addToRolePolicy(new PolicyStatement({ actions: ["dynamodb:GetItem"], resources: ["*"] }));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
  });
});
