import { registerHooks } from "node:module";

const PATCHED_FILTER_URL = new URL("./sns-filter-string-array.ts", import.meta.url).href;
let installed = false;

/**
 * Routes fauxqs's imports of its SNS filter module to our String.Array-aware version. Must run
 * before fauxqs is first imported; the patched module itself still reaches the original.
 */
export function installFauxqsHooks(): void {
  if (installed) return;
  installed = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      if (resolved.url.endsWith("/node_modules/fauxqs/dist/sns/filter.js") && context.parentURL !== PATCHED_FILTER_URL) {
        return { ...resolved, url: PATCHED_FILTER_URL, format: "module-typescript" };
      }
      return resolved;
    },
  });
}
