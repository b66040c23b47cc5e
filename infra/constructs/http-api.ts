import { CfnOutput, Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import { HttpApi as ApiGatewayHttpApi, CfnStage, CorsHttpMethod, HttpMethod, HttpNoneAuthorizer, HttpRoute, HttpStage, LogGroupLogDestination } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer, HttpLambdaAuthorizer, HttpLambdaResponseType } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";

export interface HttpApiProps {
  readonly handler: IFunction;
  /**
   * Steady requests per second the API accepts before answering 429, so a burst of publishes cannot
   * take the account's Lambda concurrency from the channel workers. @default 200
   */
  readonly rateLimit?: number;
  /** Requests the API accepts at once above the steady rate. @default 400 */
  readonly burstLimit?: number;
  /**
   * Per /v1/me route, requests per second (the burst is twice this): a browser's calls, a user token
   * in hand, so a flood of them cannot take the publish route's share of ingest. @default 100
   */
  readonly userRouteRateLimit?: number;
  /**
   * Per unsubscribe and preference-center route, requests per second (the burst is twice this):
   * anyone can call them, with a link or without one. @default 20
   */
  readonly linkRouteRateLimit?: number;
  /** Checks the user token on every /v1/me route (functions/user-authorizer.ts). */
  readonly userAuthorizer: IFunction;
  /** How long API Gateway keeps the authorizer's answer for a token. */
  readonly userAuthorizerCacheSeconds: number;
  /** Origins whose pages may call the API from a browser (CORS); none means no browser may. */
  readonly allowedOrigins: readonly string[];
}

/**
 * The public HTTP API. Every route needs a SigV4-signed caller with execute-api:Invoke, except the
 * browser's /v1/me routes, which a user token authorizes, and the one-click unsubscribe target and
 * the preference center, which people reach from an email and which the signed token in the link
 * protects.
 */
export class HttpApi extends Construct {
  readonly api: ApiGatewayHttpApi;

  static readonly ROUTES: ReadonlyArray<[HttpMethod, string]> = [
    [HttpMethod.POST, "/v1/notifications"],
    [HttpMethod.GET, "/v1/notifications/{id}"],
    [HttpMethod.DELETE, "/v1/notifications/{id}"],
    [HttpMethod.PUT, "/v1/users/{userId}/preferences"],
    [HttpMethod.PATCH, "/v1/users/{userId}/preferences"],
    [HttpMethod.GET, "/v1/users/{userId}/preferences"],
    [HttpMethod.GET, "/v1/users/{userId}/inbox"],
    [HttpMethod.POST, "/v1/users/{userId}/inbox/{itemId}/read"],
    [HttpMethod.PUT, "/v1/audiences/{audienceId}"],
    [HttpMethod.GET, "/v1/audiences/{audienceId}"],
    [HttpMethod.POST, "/v1/audiences/{audienceId}/members"],
    [HttpMethod.GET, "/v1/audiences/{audienceId}/members"],
    [HttpMethod.GET, "/v1/analytics"],
    [HttpMethod.GET, "/v1/templates"],
    [HttpMethod.GET, "/v1/templates/{type}"],
    [HttpMethod.PUT, "/v1/templates/{type}"],
    [HttpMethod.POST, "/v1/templates/{type}/activate"],
    [HttpMethod.POST, "/v1/templates/{type}/preview"],
  ];

  /** The routes a signed-in user's browser calls with `Authorization: Bearer <user token>`. */
  static readonly USER_ROUTES: ReadonlyArray<[HttpMethod, string]> = [
    [HttpMethod.GET, "/v1/me/inbox"],
    [HttpMethod.POST, "/v1/me/inbox/{itemId}/read"],
    [HttpMethod.POST, "/v1/me/inbox/read-all"],
    [HttpMethod.POST, "/v1/me/inbox/{itemId}/archive"],
    [HttpMethod.GET, "/v1/me/preferences"],
    [HttpMethod.PATCH, "/v1/me/preferences"],
  ];

  static readonly UNSUBSCRIBE_PATH = "/v1/unsubscribe";
  static readonly PREFERENCE_CENTER_PATH = "/v1/preferences-center";

  get preferenceCenterUrl(): string {
    return `${this.api.apiEndpoint}${HttpApi.PREFERENCE_CENTER_PATH}`;
  }

  get unsubscribeUrl(): string {
    return `${this.api.apiEndpoint}${HttpApi.UNSUBSCRIBE_PATH}`;
  }

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    this.api = new ApiGatewayHttpApi(this, "Api", {
      description: "Notification fan-out: publish notifications, read their status, manage preferences",
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
      // API Gateway answers preflights itself, before any authorizer; an origin not listed gets no CORS headers.
      ...(props.allowedOrigins.length
        ? {
            corsPreflight: {
              allowOrigins: [...props.allowedOrigins],
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PATCH],
              allowHeaders: ["authorization", "content-type", "if-none-match"],
              exposeHeaders: ["etag"],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    const accessLogs = new LogGroup(this, "AccessLogs", { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const stage = new HttpStage(this, "DefaultStage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      // Throttling at the stage rather than reserved concurrency on ingest: it needs no share of the
      // account's concurrency (new accounts may have as little as 10) and refuses before invoking.
      throttle: { rateLimit: props.rateLimit ?? 200, burstLimit: props.burstLimit ?? 400 },
      // Who called which route and how it ended; request bodies (addresses) are never logged.
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            caller: "$context.identity.userArn",
            routeKey: "$context.routeKey",
            status: "$context.status",
            latencyMs: "$context.responseLatency",
            integrationError: "$context.integrationErrorMessage",
          }),
        ),
      },
    });
    const integration = new HttpLambdaIntegration("Ingest", props.handler);
    for (const [method, path] of HttpApi.ROUTES) {
      this.api.addRoutes({ path, methods: [method], integration });
    }
    const userAuthorizer = new HttpLambdaAuthorizer("UserToken", props.userAuthorizer, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ["$request.header.Authorization"],
      resultsCacheTtl: Duration.seconds(props.userAuthorizerCacheSeconds),
    });
    for (const [method, path] of HttpApi.USER_ROUTES) {
      this.api.addRoutes({ path, methods: [method], integration, authorizer: userAuthorizer });
    }
    const unsubscribeRoutes = this.api.addRoutes({ path: HttpApi.UNSUBSCRIBE_PATH, methods: [HttpMethod.GET, HttpMethod.POST], integration, authorizer: new HttpNoneAuthorizer() });
    for (const route of unsubscribeRoutes) {
      Validations.of(route).acknowledge({
        id: "AwsSolutions-APIG4",
        reason: "RFC 8058 one-click unsubscribe is called by mailbox providers, which cannot sign requests; the AES-GCM token in the link authenticates it.",
      });
    }
    const preferenceCenterRoutes = this.api.addRoutes({ path: HttpApi.PREFERENCE_CENTER_PATH, methods: [HttpMethod.GET, HttpMethod.POST], integration, authorizer: new HttpNoneAuthorizer() });
    for (const route of preferenceCenterRoutes) {
      Validations.of(route).acknowledge({
        id: "AwsSolutions-APIG4",
        reason: "The preference center is a page people open from an email's footer, in a browser that cannot sign requests; the AES-GCM token in the link names the one user it may change.",
      });
    }
    // The open routes share the ingest function with publishing: each is held to its own, lower limit.
    const throttle = (rateLimit: number) => ({ ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: 2 * rateLimit });
    const userRoutes = HttpApi.USER_ROUTES.map(([method, path]) => [`${method} ${path}`, throttle(props.userRouteRateLimit ?? 100)]);
    const linkRoutes = [HttpApi.UNSUBSCRIBE_PATH, HttpApi.PREFERENCE_CENTER_PATH].flatMap((path) => [HttpMethod.GET, HttpMethod.POST].map((method) => [`${method} ${path}`, throttle(props.linkRouteRateLimit ?? 20)]));
    (stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries([...userRoutes, ...linkRoutes]);
    // A route's settings name its route key, which must exist first.
    for (const route of this.api.node.children.filter((child) => child instanceof HttpRoute)) stage.node.addDependency(route);
    new CfnOutput(this, "Url", { key: "ApiUrl", value: this.api.apiEndpoint, description: "Base URL of the HTTP API (IAM auth)" });
  }
}
