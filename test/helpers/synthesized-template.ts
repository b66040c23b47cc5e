import { Template } from "aws-cdk-lib/assertions";
import { createNotifyApp } from "#infra/notify-app.ts";

let cached: Template | undefined;

/** The stack's template as `cdk synth` produces it, minus Lambda bundling, which these tests do not read. */
export function synthesizedTemplate(): Template {
  cached ??= Template.fromStack(createNotifyApp({ context: { "aws:cdk:bundling-stacks": [] } }).stack);
  return cached;
}

export type Resources = Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, unknown>; DeletionPolicy?: string }>;

export function resourcesOfType(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}
