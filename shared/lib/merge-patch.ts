type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * JSON Merge Patch (RFC 7396): objects merge key by key, null removes a key, anything else replaces.
 * Every key is an own property of the result, `__proto__` included (JSON.parse makes it one): an
 * assignment would set the result's prototype instead, whose properties a schema then reads as if
 * the patch had set them.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else Object.defineProperty(result, key, { value: mergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value), enumerable: true, writable: true, configurable: true });
  }
  return result;
}
