import fc from "fast-check";
import { describe, expect, inject, it } from "vitest";
import { mintUserToken } from "#shared/domain/user-token.ts";
import { call, localNow, uniqueId } from "../helpers/local-api.ts";
import { userToken, userTokenSecret } from "../helpers/user-tokens.ts";

/** Runs per property; `npm run test:chaos` runs ten times as many (ROUTE_FUZZ_SCALE=10). */
const RUNS = 40 * Number(process.env.ROUTE_FUZZ_SCALE ?? 1);
const ANSWER_LIMIT_MILLIS = 30_000;

/** Path segments and values a hostile caller tries: traversal, prototype names, encodings, control characters, length. */
const hostileText = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "prototype", "..", "%2e%2e", "%2F", "%00", "%0d%0aSet-Cookie:x=1", "'; DROP TABLE x;--", "<script>alert(1)</script>", "${7*7}", "{{constructor}}", "%ZZ", "\u202e", "😀".repeat(50)),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.nat({ max: 5000 }).map((length) => "a".repeat(length)),
);
const segment = hostileText.map((text) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return "x";
  }
});

/** Bodies: any JSON, deep nesting, prototype keys, huge values, and what is not JSON at all. */
const hostileBody = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value)),
  fc.constantFrom(
    '{"__proto__": {"email": "mallory@example.com"}}',
    '{"constructor": {"prototype": {"polluted": true}}}',
    '{"channels": {"__proto__": {"email": true}}}',
    '{"categories": {"constructor": false}}',
    '{"quietHours": {"start": "22:00"}}',
    '{"email": null, "phone": 1e309}',
    "[]",
    "null",
    '""',
    "{not json",
  ),
  fc.nat({ max: 5000 }).map((depth) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
  fc.nat({ max: 3000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.nat({ max: 200_000 }).map((length) => JSON.stringify({ locale: "x".repeat(length) })),
);

const hostileQuery = fc.array(fc.tuple(fc.constantFrom("limit", "cursor", "archived", "version", "token", "from", "to", "groupBy", "type", "x"), hostileText), { maxLength: 4 }).map((pairs) => {
  const query = pairs.map(([name, value]) => `${name}=${encodeURIComponent(value.replace(/[\ud800-\udfff]/g, ""))}`).join("&");
  return query ? `?${query}` : "";
});

/** The routes that act for the application (IAM on AWS, open on the local cloud), with what their path names. */
const signedRoute = fc.oneof(
  segment.map((id) => ({ method: "GET", path: `/v1/notifications/${id}` })),
  segment.map((id) => ({ method: "DELETE", path: `/v1/notifications/${id}` })),
  segment.map((id) => ({ method: "PUT", path: `/v1/users/${id}/preferences` })),
  segment.map((id) => ({ method: "PATCH", path: `/v1/users/${id}/preferences` })),
  segment.map((id) => ({ method: "GET", path: `/v1/users/${id}/preferences` })),
  segment.map((id) => ({ method: "GET", path: `/v1/users/${id}/inbox` })),
  fc.tuple(segment, segment).map(([userId, itemId]) => ({ method: "POST", path: `/v1/users/${userId}/inbox/${itemId}/read` })),
  segment.map((id) => ({ method: "PUT", path: `/v1/audiences/${id}` })),
  segment.map((id) => ({ method: "GET", path: `/v1/audiences/${id}` })),
  segment.map((id) => ({ method: "POST", path: `/v1/audiences/${id}/members` })),
  segment.map((id) => ({ method: "GET", path: `/v1/audiences/${id}/members` })),
  fc.constant({ method: "GET", path: "/v1/analytics" }),
  fc.constant({ method: "GET", path: "/v1/templates" }),
  segment.map((type) => ({ method: "GET", path: `/v1/templates/${type}` })),
  segment.map((type) => ({ method: "PUT", path: `/v1/templates/${type}` })),
  segment.map((type) => ({ method: "POST", path: `/v1/templates/${type}/activate` })),
  segment.map((type) => ({ method: "POST", path: `/v1/templates/${type}/preview` })),
  fc.constant({ method: "POST", path: "/v1/notifications" }),
);

const linkRoute = fc.tuple(fc.constantFrom("GET", "POST"), fc.constantFrom("/v1/unsubscribe", "/v1/preferences-center")).map(([method, path]) => ({ method, path }));
const meRoute = fc.oneof(
  fc.constant({ method: "GET", path: "/v1/me/inbox" }),
  segment.map((itemId) => ({ method: "POST", path: `/v1/me/inbox/${itemId}/read` })),
  fc.constant({ method: "POST", path: "/v1/me/inbox/read-all" }),
  segment.map((itemId) => ({ method: "POST", path: `/v1/me/inbox/${itemId}/archive` })),
  fc.constant({ method: "GET", path: "/v1/me/preferences" }),
  fc.constant({ method: "PATCH", path: "/v1/me/preferences" }),
);

/** Bearer tokens: garbage, huge, unsigned, expired, another stack's, and a valid one. */
async function hostileTokens(): Promise<fc.Arbitrary<string | undefined>> {
  const secret = await userTokenSecret();
  const now = await localNow();
  const unsigned = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ sub: "ada", exp: now / 1000 + 60 })).toString("base64url")}.`;
  const fixed = [
    undefined,
    "garbage",
    "a.b.c",
    "x".repeat(4096),
    unsigned,
    await mintUserToken("fuzz-user", secret, now - 2 * 3600_000, 3600),
    await mintUserToken("fuzz-user", { stack: "Other", signingKey: "o".repeat(64) }, now),
  ];
  return fc.oneof(fc.constantFrom(...fixed), fc.string({ maxLength: 300 }), fc.constant("valid"));
}

const contentType = fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "", "application/json\u0000");

interface Answer {
  status: number | "no answer";
  millis: number;
}

async function send(method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(`${inject("apiUrl")}${path}`, { method, headers, body: method === "GET" || method === "DELETE" ? undefined : body, signal: AbortSignal.timeout(ANSWER_LIMIT_MILLIS + 5000) });
    await response.arrayBuffer();
    return { status: response.status, millis: performance.now() - started };
  } catch {
    return { status: "no answer", millis: performance.now() - started };
  }
}

function headersOf(type: string, token?: string): Record<string, string> {
  const headers: Record<string, string> = {};
  // fetch refuses header values it cannot send (a NUL); those are sent without.
  if (!/[\u0000\r\n]/.test(type) && type) headers["content-type"] = type;
  if (token !== undefined && /^[\x21-\x7e]*$/.test(token)) headers.authorization = `Bearer ${token}`;
  return headers;
}

function expectAnswered(answer: Answer, what: string): void {
  expect(answer.status, what).not.toBe("no answer");
  expect(answer.status as number, what).toBeLessThan(500);
  expect(answer.millis, what).toBeLessThan(ANSWER_LIMIT_MILLIS);
}

describe("every route under hostile input", () => {
  it(`answers ${RUNS} hostile requests to the application's routes with 2xx, 3xx or 4xx in time, storing nothing it refuses`, async () => {
    const untouched = (userId: string) => call("GET", `/v1/users/${userId}/preferences`).then(({ body }) => ({ ...body, userId: undefined }));
    const pristine = await untouched(uniqueId("never-written"));
    await fc.assert(
      fc.asyncProperty(signedRoute, hostileQuery, hostileBody, contentType, async (route, query, body, type) => {
        const answer = await send(route.method, `${route.path}${query}`, body, headersOf(type));
        expectAnswered(answer, `${route.method} ${route.path.slice(0, 200)}`);
        if (answer.status === 429 || (answer.status as number) < 400) return;
        // A refused write leaves no trace: a new user's preferences, template or audience stays unknown.
        const fresh = route.path.startsWith("/v1/templates/") ? `fuzz.t_${uniqueId("x").slice(-12)}` : uniqueId("fuzzed");
        const write = route.path.replace(/^(\/v1\/(?:users|templates|audiences)\/)[^/]+/, `$1${fresh}`);
        if (write === route.path || !["PUT", "PATCH"].includes(route.method)) return;
        const again = await send(route.method, write, body, headersOf(type));
        if (again.status !== 400 && again.status !== 413) return;
        if (write.startsWith("/v1/users/")) expect(await untouched(fresh)).toEqual(pristine);
        if (write.startsWith("/v1/templates/")) expect((await call("GET", `/v1/templates/${fresh}`)).status).toBe(404);
        if (write.startsWith("/v1/audiences/")) expect((await call("GET", `/v1/audiences/${fresh}`)).status).toBe(404);
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it(`answers ${RUNS} hostile requests to the browser's and the email links' routes with 2xx, 3xx, 4xx or 429, and changes nothing it refuses`, async () => {
    const userId = uniqueId("fuzz-user");
    const valid = await userToken(userId);
    await call("PUT", `/v1/users/${userId}/preferences`, { channels: { sms: false }, timezone: "UTC" });
    const before = (await call("GET", `/v1/users/${userId}/preferences`)).body;
    await fc.assert(
      fc.asyncProperty(fc.oneof(meRoute, linkRoute), hostileQuery, hostileBody, contentType, await hostileTokens(), async (route, query, body, type, token) => {
        const answer = await send(route.method, `${route.path}${query}`, body, headersOf(type, token === "valid" ? valid : token));
        expectAnswered(answer, `${route.method} ${route.path.slice(0, 200)}`);
        if (route.method === "PATCH" && answer.status !== 200) expect((await call("GET", `/v1/users/${userId}/preferences`)).body).toEqual(before);
        if (route.method === "PATCH" && answer.status === 200) {
          // An accepted patch changed only what the browser may change; put the user back for the next run.
          const after = (await call("GET", `/v1/users/${userId}/preferences`)).body;
          for (const owned of ["email", "phone", "pushEndpoints", "channelSuppressions"]) expect(after[owned]).toEqual(before[owned]);
          await call("PUT", `/v1/users/${userId}/preferences`, { channels: { sms: false }, timezone: "UTC" });
        }
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it(`stores or refuses ${RUNS} hostile templates by name, and renders what it stores with hostile data without a 5xx`, async () => {
    const source = fc.oneof(
      fc.constantFrom(
        "{{{name}}}",
        "{{> partial}}",
        "{{#each this}}{{@key}}={{this}}{{/each}}",
        "{{lookup this 'constructor'}}",
        "{{constructor.name}}",
        "{{__proto__}}",
        "{{#with (lookup this '__proto__')}}{{polluted}}{{/with}}",
        "{{name.constructor.constructor}}",
        "{{log name}}",
        "{{eq}}",
        "{{minus name}}",
        "{{#if}}{{/if}}",
        "{{",
        "}}",
        `${"{{#if name}}".repeat(300)}x${"{{/if}}".repeat(300)}`,
        "{{name}}".repeat(2000),
      ),
      fc.string({ maxLength: 200 }),
    );
    const data = fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 4 })), fc.constant(JSON.parse('{"name": "Ada", "__proto__": {"polluted": "yes"}}')), fc.constant({ name: "x".repeat(30_000) }));
    await fc.assert(
      fc.asyncProperty(source, source, data, async (subject, body, values) => {
        const type = `fuzz.t_${uniqueId("x").slice(-12).replace(/-/g, "")}`;
        const definition = {
          category: "transactional",
          channels: ["email", "in_app"],
          dataSchema: { type: "object" },
          locales: { en: { email: { subject, html: body, text: body }, in_app: { title: subject, body } } },
        };
        const stored = await call("PUT", `/v1/templates/${type}`, definition);
        expect(stored.status, JSON.stringify({ subject, body }).slice(0, 300)).toBeLessThan(500);
        if (stored.status !== 201) {
          expect([400, 413]).toContain(stored.status);
          expect((await call("GET", `/v1/templates/${type}`)).status).toBe(404);
          return;
        }
        const preview = await send("POST", `/v1/templates/${type}/preview`, JSON.stringify({ data: values }), { "content-type": "application/json" });
        expectAnswered(preview, `preview of ${JSON.stringify({ subject, body }).slice(0, 200)}`);
        const published = await send("POST", "/v1/notifications", JSON.stringify({ type, recipients: [{ userId: uniqueId("reader") }], channels: ["in_app"], data: values }), { "content-type": "application/json" });
        expectAnswered(published, "publish");
      }),
      { numRuns: RUNS },
    );
  }, 300_000);
});
