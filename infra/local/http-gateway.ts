import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import { AWS_LIMITS } from "#shared/adapters/aws-limits.ts";
import { REQUEST_TOO_LARGE, THROTTLED, type InvokeResult, type LocalFunction } from "./local-function.ts";
import { RouteThrottle, type ThrottleSpec } from "./route-throttle.ts";
import type { CorsSpec } from "./template-deployer.ts";

/**
 * How long a request may wait for a free environment before it is answered 429: with API Gateway's
 * 30 s integration timeout in mind, a burst is queued rather than refused, and still answered in time.
 */
const MAX_QUEUED_MILLIS = 10_000;
const MAX_PAYLOAD_BYTES = AWS_LIMITS.httpApi.payloadBytes;
const TEXT_TYPES = /^(application\/(json|xml|x-www-form-urlencoded|[\w.+-]+\+json)|text\/)/i;

export interface LocalAuthorizer {
  /** The authorizer function's ARN, which scopes its cached answers. */
  functionArn: string;
  function: LocalFunction;
  identitySource: string[];
  resultTtlSeconds: number;
}

export interface LocalRoute {
  routeKey: string;
  function: LocalFunction;
  authorizer?: LocalAuthorizer;
  throttle?: ThrottleSpec;
}

interface Route extends Omit<LocalRoute, "throttle"> {
  method: string;
  pattern: RegExp;
  parameterNames: string[];
  throttle?: RouteThrottle;
}

type Authorization = { allowed: true; context: Record<string, unknown> } | { allowed: false; status: number; message: string };

/** Handles paths the API does not own (the local cloud's /_local routes); returns false to pass. */
export type ExtraHandler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>;

class PayloadTooLarge extends Error {}

function compile(route: LocalRoute): Route {
  const [method, path] = route.routeKey.split(" ") as [string, string];
  const parameterNames: string[] = [];
  const pattern = path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+?)(\\\+)?\}/g, (_whole, name: string, greedy: string | undefined) => {
    parameterNames.push(name);
    return greedy ? "(.+)" : "([^/]+)";
  });
  return { ...route, method, pattern: new RegExp(`^${pattern}$`), parameterNames, throttle: route.throttle && new RouteThrottle(route.throttle) };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) throw new PayloadTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * API Gateway stops waiting for an integration after 30 s and answers 503, whatever the function's
 * own timeout; the invocation itself runs on, as Lambda's does.
 */
async function withinIntegrationTimeout(invocation: Promise<InvokeResult>, timeoutMillis: number): Promise<InvokeResult | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMillis)));
  try {
    return await Promise.race([invocation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = { "content-type": "application/json" }): void {
  response.writeHead(status, headers).end(body);
}

/**
 * API Gateway HTTP API (payload format 2.0) in front of the local functions: matches the routes the
 * template declares, builds the same event API Gateway builds and maps the result back, including
 * API Gateway's own 404, 413 (over 10 MB, or an event over Lambda's 6 MB), 429 (the route over
 * its stage's limit, or the function throttled), 500 and 503 (the integration's 30 s passed, or the stack is still starting) answers.
 */
export class HttpGateway {
  private readonly server: Server;
  /** Undefined until the stack is deployed: the API answers 503 until then. */
  private routes: Route[] | undefined;
  private readonly extra: ExtraHandler;
  private cors: CorsSpec | undefined;
  /** Authorizer answers by identity, kept for the authorizer's TTL as API Gateway caches them. */
  private readonly authorizations = new Map<string, { expiresAt: number; authorization: Authorization }>();

  private readonly integrationTimeoutMillis: number;

  /** `integrationTimeoutMillis`: @default API Gateway's 30 s (shorter only in tests). */
  constructor(extra: ExtraHandler, integrationTimeoutMillis: number = AWS_LIMITS.httpApi.integrationTimeoutMillis) {
    this.extra = extra;
    this.integrationTimeoutMillis = integrationTimeoutMillis;
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error) => {
        if (!response.headersSent) send(response, 500, JSON.stringify({ message: "Internal Server Error", detail: String(error) }));
      });
    });
  }

  async listen(port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve());
    });
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  setRoutes(routes: LocalRoute[], cors?: CorsSpec): void {
    this.cors = cors;
    this.routes = routes.map(compile);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", this.url);
    if (await this.extra(request, response, url)) return;

    const corsHeaders = this.corsHeaders(request);
    for (const [name, value] of Object.entries(corsHeaders)) response.setHeader(name, value);
    // API Gateway answers every preflight itself when the API has CORS, before routes and authorizers.
    if (this.cors && request.method === "OPTIONS" && request.headers["access-control-request-method"]) {
      return void response.writeHead(204).end();
    }
    if (!this.routes) {
      return send(response, 503, JSON.stringify({ message: "The local cloud is starting: the stack is being deployed onto the emulators. Retry in a few seconds." }), { "content-type": "application/json", "retry-after": "2" });
    }
    let match: RegExpExecArray | null = null;
    const route = this.routes.find((candidate) => candidate.method === request.method && (match = candidate.pattern.exec(url.pathname)) !== null);
    if (!route || !match) return send(response, 404, JSON.stringify({ message: "Not Found" }));
    // The stage's limit for the route, before its authorizer or its function is called.
    if (route.throttle && !route.throttle.admit()) return send(response, 429, JSON.stringify({ message: "Too Many Requests" }));

    let body: Buffer;
    try {
      body = await readBody(request);
    } catch (error) {
      if (error instanceof PayloadTooLarge) return send(response, 413, JSON.stringify({ message: "Request Entity Too Large" }));
      throw error;
    }
    const values = (match as RegExpExecArray).slice(1).map(decodeURIComponent);
    const event = this.event(request, url, route, values, body);
    if (route.authorizer) {
      const authorization = await this.authorize(route.authorizer, event);
      if (!authorization.allowed) return send(response, authorization.status, JSON.stringify({ message: authorization.message }));
      event.requestContext = { ...event.requestContext, authorizer: { lambda: authorization.context } } as APIGatewayProxyEventV2["requestContext"];
    }
    const outcome = await withinIntegrationTimeout(route.function.invoke(event, { maxWaitMillis: MAX_QUEUED_MILLIS }), this.integrationTimeoutMillis);
    if (outcome === "timeout") return send(response, 503, JSON.stringify({ message: "Service Unavailable" }));
    // As API Gateway answers when Lambda throttles the integration, or refuses an event over its 6 MB.
    if (!outcome.ok && outcome.error.errorType === THROTTLED.errorType) return send(response, 429, JSON.stringify({ message: "Too Many Requests" }), { "content-type": "application/json", "retry-after": "1" });
    if (!outcome.ok && outcome.error.errorType === REQUEST_TOO_LARGE) return send(response, 413, JSON.stringify({ message: "Request Entity Too Large" }));
    if (!outcome.ok) return send(response, 500, JSON.stringify({ message: "Internal Server Error" }));
    this.respond(response, outcome.result);
  }

  /**
   * CORS as API Gateway applies it: an allowed Origin gets the allow headers on every answer and
   * its preflights; any other origin gets none, so the browser refuses the call.
   */
  private corsHeaders(request: IncomingMessage): Record<string, string> {
    const origin = request.headers.origin;
    if (!this.cors || !origin || !(this.cors.allowOrigins.includes(origin) || this.cors.allowOrigins.includes("*"))) return {};
    const headers: Record<string, string> = { "access-control-allow-origin": this.cors.allowOrigins.includes("*") ? "*" : origin, vary: "origin" };
    if (request.method === "OPTIONS") {
      headers["access-control-allow-methods"] = this.cors.allowMethods.join(",");
      headers["access-control-allow-headers"] = this.cors.allowHeaders.join(",");
      if (this.cors.maxAgeSeconds !== undefined) headers["access-control-max-age"] = String(this.cors.maxAgeSeconds);
    } else if (this.cors.exposeHeaders.length) {
      headers["access-control-expose-headers"] = this.cors.exposeHeaders.join(",");
    }
    return headers;
  }

  /**
   * A Lambda authorizer with simple responses (payload 2.0): a missing identity source is 401
   * without calling it, an "Unauthorized" error is 401, `isAuthorized: false` is 403, and an
   * answer is kept for the TTL per identity.
   */
  private async authorize(authorizer: LocalAuthorizer, event: APIGatewayProxyEventV2): Promise<Authorization> {
    const identity = authorizer.identitySource.map((source) => {
      const header = /^\$request\.header\.(.+)$/.exec(source)?.[1];
      if (header) return event.headers[header.toLowerCase()];
      const query = /^\$request\.querystring\.(.+)$/.exec(source)?.[1];
      if (query) return event.queryStringParameters?.[query];
      throw new Error(`the local cloud does not read identity source ${source}`);
    });
    if (identity.some((value) => !value)) return { allowed: false, status: 401, message: "Unauthorized" };
    const cacheKey = [authorizer.functionArn, ...identity].join("\u0000");
    const cached = this.authorizations.get(cacheKey);
    if (cached && cached.expiresAt > Date.now()) return cached.authorization;
    const authorizerEvent: APIGatewayRequestAuthorizerEventV2 = {
      version: "2.0",
      type: "REQUEST",
      routeArn: `arn:aws:execute-api:us-east-1:000000000000:local/$default/${event.routeKey.replace(" ", "")}`,
      identitySource: identity as string[],
      routeKey: event.routeKey,
      rawPath: event.rawPath,
      rawQueryString: event.rawQueryString,
      cookies: event.cookies ?? [],
      headers: event.headers as Record<string, string>,
      queryStringParameters: (event.queryStringParameters ?? {}) as Record<string, string>,
      requestContext: event.requestContext,
      pathParameters: (event.pathParameters ?? {}) as Record<string, string>,
      stageVariables: {},
    };
    const outcome = await authorizer.function.invoke(authorizerEvent, { maxWaitMillis: MAX_QUEUED_MILLIS });
    if (!outcome.ok) {
      // Not kept: API Gateway caches only the answers the authorizer gave.
      return outcome.error.errorMessage === "Unauthorized" ? { allowed: false, status: 401, message: "Unauthorized" } : { allowed: false, status: 500, message: "Internal Server Error" };
    }
    const answer = outcome.result as { isAuthorized?: boolean; context?: Record<string, unknown> } | undefined;
    const authorization: Authorization = answer?.isAuthorized === true ? { allowed: true, context: answer.context ?? {} } : { allowed: false, status: 403, message: "Forbidden" };
    if (authorizer.resultTtlSeconds > 0) this.authorizations.set(cacheKey, { expiresAt: Date.now() + authorizer.resultTtlSeconds * 1000, authorization });
    return authorization;
  }

  private event(request: IncomingMessage, url: URL, route: Route, values: string[], body: Buffer): APIGatewayProxyEventV2 {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
    const isText = TEXT_TYPES.test(headers["content-type"] ?? "application/json");
    const now = new Date();
    return {
      version: "2.0",
      routeKey: route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      cookies: headers.cookie?.split(/;\s*/),
      headers,
      queryStringParameters: Object.keys(query).length ? query : undefined,
      pathParameters: route.parameterNames.length ? Object.fromEntries(route.parameterNames.map((name, index) => [name, values[index]!])) : undefined,
      requestContext: {
        accountId: "000000000000",
        apiId: "local",
        domainName: url.host,
        domainPrefix: "local",
        http: { method: request.method!, path: url.pathname, protocol: `HTTP/${request.httpVersion}`, sourceIp: request.socket.remoteAddress ?? "127.0.0.1", userAgent: headers["user-agent"] ?? "" },
        requestId: randomUUID(),
        routeKey: route.routeKey,
        stage: "$default",
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      body: body.length ? (isText ? body.toString("utf8") : body.toString("base64")) : undefined,
      isBase64Encoded: body.length > 0 && !isText,
      stageVariables: undefined,
    };
  }

  /** Payload format 2.0: a result without statusCode is JSON with 200, as API Gateway infers. */
  private respond(response: ServerResponse, result: unknown): void {
    const structured = result as APIGatewayProxyStructuredResultV2 | undefined;
    if (!structured || typeof structured !== "object" || structured.statusCode === undefined) {
      return send(response, 200, typeof result === "string" ? result : JSON.stringify(result ?? null));
    }
    const headers: Record<string, string | string[]> = { ...(structured.statusCode === 304 ? {} : { "content-type": "application/json" }), ...(structured.headers as Record<string, string>) };
    if (structured.cookies?.length) headers["set-cookie"] = structured.cookies;
    const body = structured.body === undefined ? "" : structured.isBase64Encoded ? Buffer.from(structured.body, "base64") : structured.body;
    response.writeHead(structured.statusCode, headers).end(body);
  }
}
