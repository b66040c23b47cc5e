import { registerHooks } from "node:module";

const PATCHED_FILTER_URL = new URL("./sns-filter-string-array.ts", import.meta.url).href;
const BATCH_ENTRIES_URL = new URL("./sns-batch-entries.ts", import.meta.url).href;
const ORIGINAL_PARSER = "function parseBatchEntries(params) {";
let installed = false;

/**
 * fauxqs's publish module with its batch entry parser replaced by sns-batch-entries.ts. Fails loudly
 * when a fauxqs upgrade renames the function, rather than silently running the slow one.
 */
export function withOnePassBatchParser(source: string): string {
  if (!source.includes(ORIGINAL_PARSER)) throw new Error(`fauxqs's sns/actions/publish.js no longer declares "${ORIGINAL_PARSER}": update infra/local/fauxqs-hooks.ts`);
  return `import { parseBatchEntries as parseBatchEntriesInOnePass } from ${JSON.stringify(BATCH_ENTRIES_URL)};\n${source.replace(
    ORIGINAL_PARSER,
    "function parseBatchEntries(params) { return parseBatchEntriesInOnePass(params); }\nfunction replacedParseBatchEntries(params) {",
  )}`;
}

/**
 * Routes fauxqs's imports of its SNS filter module to our String.Array-aware version, and gives its
 * publish module the one-pass batch parser. Must run before fauxqs is first imported; the patched
 * filter module itself still reaches the original.
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
    load(url, context, nextLoad) {
      const loaded = nextLoad(url, context);
      if (!url.endsWith("/node_modules/fauxqs/dist/sns/actions/publish.js")) return loaded;
      return { ...loaded, source: withOnePassBatchParser(String(loaded.source)) };
    },
  });
}
