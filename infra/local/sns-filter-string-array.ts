/**
 * fauxqs's SNS filter matcher, made to treat String.Array attributes as AWS does: a key whose
 * attribute is an array matches when any element matches its conditions. fauxqs compares the whole
 * JSON text instead, so `{"channels": ["email"]}` never matched `["email","sms"]`. Everything else is
 * delegated to fauxqs unchanged. Installed by fauxqs-hooks.ts in place of fauxqs's own module.
 */
type Attribute = { DataType: string; StringValue?: string };
type Attributes = Record<string, Attribute>;
type Policy = Record<string, unknown>;

interface FauxqsFilterModule {
  validateFilterPolicyLimits(policyJson: string): void;
  matchesFilterPolicy(policy: Policy, attributes: Attributes): boolean;
  matchesFilterPolicyOnBody(policy: Policy, body: string): boolean;
  parseBodyAsAttributes(body: string): Attributes;
}

export const FAUXQS_FILTER_URL = new URL("../../node_modules/fauxqs/dist/sns/filter.js", import.meta.url).href;

const fauxqs = (await import(FAUXQS_FILTER_URL)) as FauxqsFilterModule;

export const validateFilterPolicyLimits = fauxqs.validateFilterPolicyLimits;
export const matchesFilterPolicyOnBody = fauxqs.matchesFilterPolicyOnBody;
export const parseBodyAsAttributes = fauxqs.parseBodyAsAttributes;

function scalar(element: unknown): Attribute {
  return typeof element === "number" ? { DataType: "Number", StringValue: String(element) } : { DataType: "String", StringValue: String(element) };
}

function matchesKey(key: string, conditions: unknown, attributes: Attributes): boolean {
  const single = (candidate: Attributes) => fauxqs.matchesFilterPolicy({ [key]: conditions }, candidate);
  const attribute = attributes[key];
  if (attribute?.DataType !== "String.Array") return single(attributes);
  let elements: unknown;
  try {
    elements = JSON.parse(attribute.StringValue ?? "");
  } catch {
    elements = undefined;
  }
  if (!Array.isArray(elements)) return single({ ...attributes, [key]: { DataType: "String", StringValue: attribute.StringValue ?? "" } });
  return elements.some((element) => single({ ...attributes, [key]: scalar(element) }));
}

export function matchesFilterPolicy(policy: Policy, attributes: Attributes): boolean {
  const { $or: alternatives, ...keys } = policy;
  for (const [key, conditions] of Object.entries(keys)) {
    if (!matchesKey(key, conditions, attributes)) return false;
  }
  if (!Array.isArray(alternatives)) return true;
  return alternatives.some((group) => typeof group === "object" && group !== null && matchesFilterPolicy(group as Policy, attributes));
}
