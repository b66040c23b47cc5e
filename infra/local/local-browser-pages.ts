import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { EmailLinks } from "#shared/adapters/email-links.ts";
import { userIdSchema } from "#shared/domain/identifiers.ts";
import { mintUserToken, parseUserTokenSecret } from "#shared/domain/user-token.ts";

/** What the local pages need from the deployed stack to act for a user, as the application would. */
export interface LocalUserLinks {
  userToken(userId: string): Promise<string>;
  preferenceCenter(userId: string): Promise<string>;
}

/** Reads the stack's secrets from the local Secrets Manager, as NotifyClient and the email worker do. */
export function localUserLinks(options: { secretsManager: SecretsManagerClient; userTokenSecretArn: string; unsubscribeSecretArn: string; apiUrl: string; now: () => number }): LocalUserLinks {
  const secret = async (secretId: string) => (await options.secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString!;
  const links = new EmailLinks({ unsubscribeUrl: `${options.apiUrl}/v1/unsubscribe`, preferenceCenterUrl: `${options.apiUrl}/v1/preferences-center` }, () => secret(options.unsubscribeSecretArn), options.now);
  return {
    userToken: async (userId) => mintUserToken(userId, parseUserTokenSecret(await secret(options.userTokenSecretArn)), options.now(), 24 * 3600),
    preferenceCenter: (userId) => links.preferenceCenter(userId),
  };
}

export const INBOX_MODULE_PATH = join(import.meta.dirname, "../../client/inbox/notify-inbox.js");

const escape = (value: string) => value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");

function demoPage(userId: string, apiUrl: string, preferenceCenterUrl: string, poll: { seconds: number; maxSeconds: number }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>notify-fanout demo: ${escape(userId)}'s inbox</title><link rel="icon" href="data:,">
<style>
  body { font-family: system-ui, sans-serif; margin: 0; color: #111827; }
  .bar { display: flex; align-items: center; gap: 1rem; padding: 0.75rem 1.5rem; border-bottom: 1px solid #e5e7eb; }
  .bar strong { flex: 1; }
  main { max-width: 40rem; padding: 1.5rem; line-height: 1.5; }
  button { font: inherit; padding: 0.5rem 1rem; border-radius: 6px; border: 1px solid #2563eb; background: #2563eb; color: #fff; cursor: pointer; }
  code { background: #f3f4f6; padding: 0.1rem 0.3rem; border-radius: 4px; }
  pre { overflow-x: auto; }
</style>
<script type="module" src="/_local/inbox.js"></script>
</head><body>
<div class="bar"><strong>Acme Store</strong><span>Signed in as ${escape(userId)}</span>
<notify-inbox api-url="${escape(apiUrl)}" poll-interval="${poll.seconds}" max-poll-interval="${poll.maxSeconds}"></notify-inbox></div>
<main>
<h1>The inbox, live</h1>
<p>The bell is <code>&lt;notify-inbox&gt;</code>, the web component the package ships as <code>notify-fanout/inbox</code>. It reads <code>/v1/me/inbox</code> with a user token this page fetches from <code>/_local/token</code>, as your app would from your backend, and checks for news every ${poll.seconds} seconds here, waiting longer while nothing changes (up to ${poll.maxSeconds} s; an unchanged inbox answers 304).</p>
<p><button type="button" id="send">Send ${escape(userId)} a notification</button> <span id="sent" role="status"></span></p>
<p>Or publish one yourself:</p>
<pre><code>curl -s -X POST ${escape(apiUrl)}/v1/notifications \\
  -d '{"type":"order.shipped","recipients":[{"userId":"${escape(userId)}"}],"channels":["in_app"],"data":{"orderId":"A-2"}}'</code></pre>
<p><a href="${escape(preferenceCenterUrl)}">Manage notification settings</a> (the preference center every email links to).</p>
</main>
<script type="module">
  let count = 0;
  const user = ${JSON.stringify(userId)};
  document.querySelector("notify-inbox").tokenProvider = () => fetch("/_local/token?user=" + encodeURIComponent(user)).then((response) => response.text());
  document.getElementById("send").addEventListener("click", async () => {
    const orderId = "DEMO-" + Date.now().toString(36).toUpperCase() + "-" + ++count;
    const response = await fetch("/v1/notifications", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "order.shipped", recipients: [{ userId: user }], channels: ["in_app"], data: { orderId } }) });
    document.getElementById("sent").textContent = response.ok ? "Published order " + orderId + "; watch the bell." : "Publishing failed: HTTP " + response.status;
  });
</script>
</body></html>`;
}

function reply(response: ServerResponse, status: number, contentType: string, body: string): true {
  response.writeHead(status, { "content-type": contentType, "cache-control": "no-store" }).end(body);
  return true;
}

/**
 * The local cloud's browser pages: the web component's module, a demo page that embeds it for a user
 * (`/_local/demo?user=ada`), and the token endpoint an application would have (`/_local/token?user=`).
 */
export async function serveBrowserPage(path: string, query: URLSearchParams, response: ServerResponse, apiUrl: string, links: LocalUserLinks | undefined): Promise<boolean> {
  if (path === "/_local/inbox.js") return reply(response, 200, "text/javascript; charset=utf-8", readFileSync(INBOX_MODULE_PATH, "utf8"));
  if (path !== "/_local/demo" && path !== "/_local/token") return false;
  if (!links) return reply(response, 503, "text/plain", "the stack is still being deployed (or has no HTTP API); retry in a few seconds");
  const user = userIdSchema.safeParse(query.get("user") ?? "ada");
  if (!user.success) return reply(response, 400, "text/plain", `user: ${user.error.issues[0]?.message}`);
  if (path === "/_local/token") return reply(response, 200, "text/plain", await links.userToken(user.data));
  // Quick checks by default, so a newcomer sees news at once; `poll` and `maxPoll` change them (the bench uses the component's defaults).
  const poll = { seconds: Number(query.get("poll") ?? 2) || 2, maxSeconds: Number(query.get("maxPoll") ?? 5) || 5 };
  return reply(response, 200, "text/html; charset=utf-8", demoPage(user.data, apiUrl, await links.preferenceCenter(user.data), poll));
}
