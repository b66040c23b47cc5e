import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { THROTTLED, type LocalFunction } from "./local-function.ts";

/**
 * How long a request may wait for a free environment before it is answered 429: with API Gateway's
 * 30 s integration timeout in mind, a burst is queued rather than refused, and still answered in time.
 */
const MAX_QUEUED_MILLIS = 10_000;
/** API Gateway's payload limit for HTTP APIs. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
const TEXT_TYPES = /^(application\/(json|xml|x-www-form-urlencoded|[\w.+-]+\+json)|text\/)/i;

interface Route {
  routeKey: string;
  method: string;
  pattern: RegExp;
  parameterNames: string[];
  function: LocalFunction;
}

/** Handles paths the API does not own (the local cloud's /_local routes); returns false to pass. */
export type ExtraHandler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>;

class PayloadTooLarge extends Error {}

function compile(routeKey: string, fn: LocalFunction): Route {
  const [method, path] = routeKey.split(" ") as [string, string];
  const parameterNames: string[] = [];
  const pattern = path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+?)(\\\+)?\}/g, (_whole, name: string, greedy: string | undefined) => {
    parameterNames.push(name);
    return greedy ? "(.+)" : "([^/]+)";
  });
  return { routeKey, method, pattern: new RegExp(`^${pattern}$`), parameterNames, function: fn };
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

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = { "content-type": "application/json" }): void {
  response.writeHead(status, headers).end(body);
}

/**
 * API Gateway HTTP API (payload format 2.0) in front of the local functions: matches the routes the
 * template declares, builds the same event API Gateway builds and maps the result back, including
 * API Gateway's own 404, 413, 429 (the function throttled) and 500 answers, and 503 while starting.
 */
export class HttpGateway {
  private readonly server: Server;
  /** Undefined until the stack is deployed: the API answers 503 until then. */
  private routes: Route[] | undefined;
  private readonly extra: ExtraHandler;

  constructor(extra: ExtraHandler) {
    this.extra = extra;
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

  setRoutes(routes: { routeKey: string; function: LocalFunction }[]): void {
    this.routes = routes.map((route) => compile(route.routeKey, route.function));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", this.url);
    if (await this.extra(request, response, url)) return;

    if (!this.routes) {
      return send(response, 503, JSON.stringify({ message: "The local cloud is starting: the stack is being deployed onto the emulators. Retry in a few seconds." }), { "content-type": "application/json", "retry-after": "2" });
    }
    let match: RegExpExecArray | null = null;
    const route = this.routes.find((candidate) => candidate.method === request.method && (match = candidate.pattern.exec(url.pathname)) !== null);
    if (!route || !match) return send(response, 404, JSON.stringify({ message: "Not Found" }));

    let body: Buffer;
    try {
      body = await readBody(request);
    } catch (error) {
      if (error instanceof PayloadTooLarge) return send(response, 413, JSON.stringify({ message: "Request Entity Too Large" }));
      throw error;
    }
    const values = (match as RegExpExecArray).slice(1).map(decodeURIComponent);
    const event = this.event(request, url, route, values, body);
    const outcome = await route.function.invoke(event, { maxWaitMillis: MAX_QUEUED_MILLIS });
    // As API Gateway answers when Lambda throttles the integration.
    if (!outcome.ok && outcome.error.errorType === THROTTLED.errorType) return send(response, 429, JSON.stringify({ message: "Too Many Requests" }), { "content-type": "application/json", "retry-after": "1" });
    if (!outcome.ok) return send(response, 500, JSON.stringify({ message: "Internal Server Error" }));
    this.respond(response, outcome.result);
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
    const headers: Record<string, string | string[]> = { "content-type": "application/json", ...(structured.headers as Record<string, string>) };
    if (structured.cookies?.length) headers["set-cookie"] = structured.cookies;
    const body = structured.body === undefined ? "" : structured.isBase64Encoded ? Buffer.from(structured.body, "base64") : structured.body;
    response.writeHead(structured.statusCode, headers).end(body);
  }
}
