import { GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";

/** A queue's URL from the ARN an SQS event names it by, asked once per queue and remembered. */
export class QueueUrls {
  private readonly sqs: SQSClient;
  private readonly urls = new Map<string, Promise<string>>();

  constructor(sqs: SQSClient) {
    this.sqs = sqs;
  }

  of(arn: string): Promise<string> {
    let url = this.urls.get(arn);
    if (!url) {
      const [, , , , account, name] = arn.split(":");
      url = this.sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })).then((result) => result.QueueUrl!);
      url.catch(() => this.urls.delete(arn));
      this.urls.set(arn, url);
    }
    return url;
  }
}
