/**
 * fauxqs's PublishBatch entry parser, in one pass over the form parameters. fauxqs rescans every
 * parameter for every entry to find its attributes, so a batch of ten entries with five attributes
 * each costs thousands of string tests: a third of the emulator's time under a broadcast. The result
 * is the same; fauxqs-hooks.ts puts this in place of fauxqs's own function.
 */
interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

interface BatchEntry {
  id: string;
  message: string;
  subject?: string;
  messageGroupId?: string;
  messageDeduplicationId?: string;
  messageAttributes: Record<string, MessageAttribute>;
}

const ENTRY_KEY = /^PublishBatchRequestEntries\.member\.(\d+)\.(.*)$/;
const ATTRIBUTE_KEY = /^MessageAttributes\.entry\.(\d+)\.(Name|Value\.DataType|Value\.StringValue|Value\.BinaryValue)$/;

type Fields = Map<string, string>;

export function parseBatchEntries(params: Record<string, string>): BatchEntry[] {
  const entries = new Map<string, { fields: Fields; attributes: Map<string, Fields> }>();
  for (const [key, value] of Object.entries(params)) {
    const entryKey = ENTRY_KEY.exec(key);
    if (!entryKey) continue;
    const [, index, field] = entryKey as unknown as [string, string, string];
    let entry = entries.get(index);
    if (!entry) entries.set(index, (entry = { fields: new Map(), attributes: new Map() }));
    const attributeKey = ATTRIBUTE_KEY.exec(field);
    if (!attributeKey) {
      entry.fields.set(field, value);
      continue;
    }
    const [, attributeIndex, part] = attributeKey as unknown as [string, string, string];
    let attribute = entry.attributes.get(attributeIndex);
    if (!attribute) entry.attributes.set(attributeIndex, (attribute = new Map()));
    attribute.set(part, value);
  }

  const parsed: BatchEntry[] = [];
  for (const { fields, attributes } of entries.values()) {
    const id = fields.get("Id");
    const message = fields.get("Message");
    if (!id || !message) continue;
    const messageAttributes: Record<string, MessageAttribute> = {};
    for (const attribute of attributes.values()) {
      const name = attribute.get("Name");
      const dataType = attribute.get("Value.DataType");
      if (!name || !dataType) continue;
      const stringValue = attribute.get("Value.StringValue");
      const binaryValue = attribute.get("Value.BinaryValue");
      messageAttributes[name] = { DataType: dataType, ...(stringValue !== undefined ? { StringValue: stringValue } : {}), ...(binaryValue !== undefined ? { BinaryValue: binaryValue } : {}) };
    }
    parsed.push({ id, message, subject: fields.get("Subject"), messageGroupId: fields.get("MessageGroupId"), messageDeduplicationId: fields.get("MessageDeduplicationId"), messageAttributes });
  }
  return parsed;
}
