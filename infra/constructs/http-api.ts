import { CfnOutput, RemovalPolicy, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import { HttpApi as ApiGatewayHttpApi, HttpMethod, HttpNoneAuthorizer, HttpStage, LogGroupLogDestination } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
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
}

/**
 * The public HTTP API. Every route needs a SigV4-signed caller with execute-api:Invoke, except the
 * one-click unsubscribe target, which mailbox providers call and which its signed token protects.
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

  static readonly UNSUBSCRIBE_PATH = "/v1/unsubscribe";

  get unsubscribeUrl(): string {
    return `${this.api.apiEndpoint}${HttpApi.UNSUBSCRIBE_PATH}`;
  }

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    this.api = new ApiGatewayHttpApi(this, "Api", {
      description: "Notification fan-out: publish notifications, read their status, manage preferences",
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, "AccessLogs", { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    new HttpStage(this, "DefaultStage", {
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
    const unsubscribeRoutes = this.api.addRoutes({ path: HttpApi.UNSUBSCRIBE_PATH, methods: [HttpMethod.GET, HttpMethod.POST], integration, authorizer: new HttpNoneAuthorizer() });
    for (const route of unsubscribeRoutes) {
      Validations.of(route).acknowledge({
        id: "AwsSolutions-APIG4",
        reason: "RFC 8058 one-click unsubscribe is called by mailbox providers, which cannot sign requests; the AES-GCM token in the link authenticates it.",
      });
    }
    new CfnOutput(this, "Url", { key: "ApiUrl", value: this.api.apiEndpoint, description: "Base URL of the HTTP API (IAM auth)" });
  }
}
