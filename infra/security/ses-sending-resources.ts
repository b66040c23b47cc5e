import type { Stack } from "aws-cdk-lib";

/**
 * The SES resources SendEmail is authorized against for one sender: the address identity and its
 * domain identity (SES uses whichever is verified), plus the configuration set when one is named.
 */
export function sesSendingResources(stack: Stack, fromAddress: string, configurationSet?: string): string[] {
  const address = /<([^>]+)>/.exec(fromAddress)?.[1] ?? fromAddress;
  const domain = address.slice(address.lastIndexOf("@") + 1);
  const arn = (resource: string) => `arn:${stack.partition}:ses:${stack.region}:${stack.account}:${resource}`;
  return [arn(`identity/${address}`), arn(`identity/${domain}`), ...(configurationSet ? [arn(`configuration-set/${configurationSet}`)] : [])];
}
