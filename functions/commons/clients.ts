import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

// Created once per execution environment and reused across invocations. Endpoints come from the
// standard AWS_ENDPOINT_URL_* variables, which is how the local cloud and LocalStack redirect them.
export const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
export const kinesis = new KinesisClient({});
export const sns = new SNSClient({});
