/** A message as the queue holds it, seen without receiving it. */
export interface InspectedMessage {
  messageId: string;
  body: string;
  sentTimestamp: number;
  approximateReceiveCount: number;
}

/**
 * What only the local cloud can tell, which a deployed stack leaves to CloudWatch or cannot tell
 * at all: a queue's messages seen without receiving them (on SQS a look is a receive, and counts
 * against maxReceiveCount), and how far the stream's reader is behind.
 */
export interface LocalCloudProbe {
  /** Every message in a queue, ready, delayed or in flight; undefined when there is no such queue. */
  inspectQueue(queueName: string): Promise<InspectedMessage[] | undefined>;
  /** The stream reader's iterator age, as Lambda reports it to CloudWatch on AWS. */
  streamIteratorAgeMillis(streamName: string): Promise<number | undefined>;
  /** The local cloud's clock, which its functions read and tests may move ahead. */
  now(): Promise<number>;
}

interface FauxqsQueue {
  messages: { ready: InspectedMessage[]; delayed: InspectedMessage[]; inflight: Array<{ message: InspectedMessage }> };
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}

/** Reads the SQS emulator's (fauxqs) inspection endpoint and the local cloud's /_local routes. */
export function localCloudProbe(apiUrl: string, sqsEndpoint: string): LocalCloudProbe {
  return {
    async now() {
      return Date.parse(((await getJson(`${apiUrl}/_local/clock`)) as { now: string }).now);
    },
    async inspectQueue(queueName) {
      const queue = (await getJson(`${sqsEndpoint}/_fauxqs/queues/${encodeURIComponent(queueName)}`)) as FauxqsQueue | undefined;
      if (!queue) return undefined;
      return [...queue.messages.ready, ...queue.messages.delayed, ...queue.messages.inflight.map((entry) => entry.message)];
    },
    async streamIteratorAgeMillis(streamName) {
      const readers = ((await getJson(`${apiUrl}/_local/stream-readers`)) ?? []) as Array<{ streamName: string; iteratorAgeMillis: number }>;
      const ages = readers.filter((reader) => reader.streamName === streamName).map((reader) => reader.iteratorAgeMillis);
      return ages.length ? Math.max(...ages) : undefined;
    },
  };
}
