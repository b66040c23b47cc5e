import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);

/**
 * The package as another project installs it: `npm pack`, unpacked into a consumer's node_modules,
 * where Node strips no types. The consumer sits inside this repo's node_modules so the package's
 * dependencies resolve from there, as they would from the consumer's own install.
 */
describe("the installed package", () => {
  const scratch = mkdtempSync(join(resolve("node_modules"), ".installed-package-"));
  const consumer = join(scratch, "consumer");
  const installed = join(consumer, "node_modules", "notify-fanout");

  beforeAll(async () => {
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", scratch]);
    const [{ filename }] = JSON.parse(stdout.slice(stdout.indexOf("[")));
    mkdirSync(installed, { recursive: true });
    await run("tar", ["-xzf", join(scratch, filename), "-C", installed, "--strip-components=1"]);
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("ships JavaScript and declarations only", () => {
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    expect(manifest.exports["."]).toEqual({ types: "./dist/index.d.ts", default: "./dist/index.js" });
    expect(manifest.bin.notify).toBe("./dist/notify.js");
    expect(manifest.exports["./inbox"]).toEqual({ types: "./dist/inbox.d.ts", default: "./dist/inbox.js" });
  });

  it("ships <notify-inbox> as one ES module with no imports, for any page or bundler", () => {
    const module = readFileSync(join(installed, "dist/inbox.js"), "utf8");
    expect(module).toContain('customElements.define("notify-inbox", NotifyInbox)');
    expect(module).not.toMatch(/^\s*import\s/m);
  });

  it("gives a JavaScript service NotifyClient, which validates before it publishes", async () => {
    writeFileSync(
      join(consumer, "publish.mjs"),
      `import { NotifyClient, RequestError } from "notify-fanout";
       try {
         await NotifyClient.forTopic("arn:aws:sns:us-east-1:123456789012:Notify-notifications").publish({ type: "no.such_type", recipients: [{ userId: "ada" }] });
       } catch (error) {
         console.log(error instanceof RequestError ? error.code : error.message);
       }`,
    );
    const { stdout } = await run(process.execPath, ["publish.mjs"], { cwd: consumer });
    expect(stdout.trim()).toBe("unknown_type");
  });

  it("gives a TypeScript service its types", async () => {
    writeFileSync(
      join(consumer, "publish.ts"),
      `import { NotifyClient, PublishIncompleteError, type NotificationRequest, type PublishResult } from "notify-fanout";
       const request: NotificationRequest = { type: "order.shipped", recipients: [{ userId: "ada" }], channels: ["email"], data: { orderId: "A-1" } };
       export const publish = (client: NotifyClient): Promise<PublishResult> => client.publish(request);
       export const incomplete = (error: unknown): number | undefined => (error instanceof PublishIncompleteError ? error.failed : undefined);
       // @ts-expect-error a channel the service does not have
       export const wrong: NotificationRequest = { type: "order.shipped", recipients: [{ userId: "ada" }], channels: ["fax"] };`,
    );
    writeFileSync(join(consumer, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, noEmit: true, types: ["node"] }, files: ["publish.ts"] }));
    await expect(run(process.execPath, [resolve("node_modules/typescript/bin/tsc"), "-p", consumer])).resolves.toBeDefined();
  });

  it("runs the notify CLI", async () => {
    const { stdout } = await run(process.execPath, [join(installed, "dist/notify.js"), "--help"]);
    expect(stdout).toContain("Usage: notify");
  });
});
