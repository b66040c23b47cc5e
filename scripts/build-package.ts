import { copyFileSync, writeFileSync } from "node:fs";
import { build } from "esbuild";
import { generateDtsBundle } from "dts-bundle-generator";

/**
 * What `npm pack` ships for other projects: Node does not strip types under node_modules, so the
 * client library and the CLI go out as JavaScript bundles (dependencies stay imports, resolved
 * from the installing project) with one declaration file for the library. The inbox web component
 * is browser JavaScript already and ships as it is written.
 */
const common = { bundle: true, platform: "node", format: "esm", target: "node22", packages: "external", sourcemap: true, logLevel: "warning" } as const;

await build({ ...common, entryPoints: { index: "client/index.ts" }, outdir: "dist" });
// The CLI's entry keeps its #! line; esbuild carries it over.
await build({ ...common, entryPoints: { notify: "cli/notify.ts" }, outdir: "dist" });

const [declarations] = generateDtsBundle([{ filePath: "client/index.ts", output: { noBanner: true } }], { preferredConfigPath: "tsconfig.json" });
writeFileSync("dist/index.d.ts", declarations!);

copyFileSync("client/inbox/notify-inbox.js", "dist/inbox.js");
copyFileSync("client/inbox/notify-inbox.d.ts", "dist/inbox.d.ts");
