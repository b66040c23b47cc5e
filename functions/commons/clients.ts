import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

// Created once per execution environment and reused across invocations. Endpoints come from the
// standard AWS_ENDPOINT_URL_* variables, which is how the local cloud and LocalStack redirect them.
// cacheMiddleware: each command's middleware chain is built once, not on every request, which saves
// CPU (and so Lambda's billed duration) per request; the DynamoDB document client refuses it.
export const CLIENT_DEFAULTS = { cacheMiddleware: true };
export const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
export const kinesis = new KinesisClient(CLIENT_DEFAULTS);
export const sns = new SNSClient(CLIENT_DEFAULTS);
export const sqs = new SQSClient(CLIENT_DEFAULTS);
