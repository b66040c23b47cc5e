import { CfnOutput } from "aws-cdk-lib";
import { HttpApi as ApiGatewayHttpApi, HttpMethod, HttpNoneAuthorizer } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";

export interface HttpApiProps {
  readonly handler: IFunction;
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
    [HttpMethod.PUT, "/v1/users/{userId}/preferences"],
    [HttpMethod.PATCH, "/v1/users/{userId}/preferences"],
    [HttpMethod.GET, "/v1/users/{userId}/preferences"],
    [HttpMethod.GET, "/v1/users/{userId}/inbox"],
    [HttpMethod.POST, "/v1/users/{userId}/inbox/{itemId}/read"],
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
    });
    const integration = new HttpLambdaIntegration("Ingest", props.handler);
    for (const [method, path] of HttpApi.ROUTES) {
      this.api.addRoutes({ path, methods: [method], integration });
    }
    this.api.addRoutes({ path: HttpApi.UNSUBSCRIBE_PATH, methods: [HttpMethod.GET, HttpMethod.POST], integration, authorizer: new HttpNoneAuthorizer() });
    new CfnOutput(this, "Url", { key: "ApiUrl", value: this.api.apiEndpoint, description: "Base URL of the HTTP API (IAM auth)" });
  }
}
