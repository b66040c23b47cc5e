/**
 * The layers and which may import which (README, "Architecture"). A product file importing the local
 * cloud, or a domain file importing CDK, the AWS SDK or Lambda types, fails here.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const ALIASES: Record<string, string> = { "#shared/": "shared/", "#functions/": "functions/", "#infra/": "infra/" };

interface Layer {
  name: string;
  /** Repository paths that belong to the layer, most specific first across layers. */
  paths: string[];
  /** Layers whose files it may import. */
  mayImport: string[];
  /** npm packages it must not import (matched as a prefix of the specifier). */
  forbiddenPackages: string[];
}

const INFRASTRUCTURE = ["aws-cdk-lib", "constructs", "cdk-nag"];
const RUNTIME = ["@aws-sdk/", "aws-lambda", "@aws-lambda-powertools/", "@middy/"];

const LAYERS: Layer[] = [
  { name: "lib", paths: ["shared/lib/"], mayImport: ["lib"], forbiddenPackages: [...INFRASTRUCTURE, ...RUNTIME] },
  { name: "domain", paths: ["shared/domain/"], mayImport: ["domain", "lib"], forbiddenPackages: [...INFRASTRUCTURE, ...RUNTIME] },
  { name: "adapters", paths: ["shared/adapters/"], mayImport: ["adapters", "domain", "lib"], forbiddenPackages: [...INFRASTRUCTURE, "aws-lambda", "@aws-lambda-powertools/", "@middy/"] },
  { name: "workflows", paths: ["shared/workflows/"], mayImport: ["workflows", "adapters", "domain", "lib"], forbiddenPackages: [...INFRASTRUCTURE, ...RUNTIME] },
  { name: "functions", paths: ["functions/"], mayImport: ["functions", "workflows", "adapters", "domain", "lib"], forbiddenPackages: INFRASTRUCTURE },
  { name: "local cloud", paths: ["infra/local/"], mayImport: ["local cloud", "infra", "infra names", "adapters", "domain", "lib"], forbiddenPackages: [] },
  { name: "infra", paths: ["infra/"], mayImport: ["infra", "infra names", "domain", "lib"], forbiddenPackages: RUNTIME.filter((name) => name !== "@aws-sdk/") },
  { name: "client", paths: ["client/"], mayImport: ["client", "adapters", "domain", "lib"], forbiddenPackages: INFRASTRUCTURE },
  { name: "cli", paths: ["cli/"], mayImport: ["cli", "client", "infra names", "workflows", "adapters", "domain", "lib"], forbiddenPackages: INFRASTRUCTURE },
];
/** The stack's naming, which the CLI needs to find a deployed stack's outputs, without the rest of infra. */
const INFRA_NAMES = "infra/output-names.ts";

function sourceFiles(directory: string): string[] {
  return readdirSync(join(ROOT, directory)).flatMap((entry) => {
    const path = `${directory}/${entry}`;
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

function layerOf(path: string): string | undefined {
  if (path === INFRA_NAMES) return "infra names";
  return LAYERS.find((layer) => layer.paths.some((prefix) => path.startsWith(prefix)))?.name;
}

function importsOf(path: string): string[] {
  const text = readFileSync(join(ROOT, path), "utf8");
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)].map((match) => (match[1] ?? match[2])!);
}

function resolve(from: string, specifier: string): string | undefined {
  const alias = Object.keys(ALIASES).find((prefix) => specifier.startsWith(prefix));
  if (alias) return ALIASES[alias] + specifier.slice(alias.length);
  if (specifier.startsWith(".")) return relative(ROOT, normalize(join(ROOT, dirname(from), specifier)));
  return undefined;
}

const files = ["shared", "functions", "infra", "client", "cli"].flatMap(sourceFiles);

describe("import rules between layers", () => {
  it.each(LAYERS.map((layer) => [layer.name, layer] as const))("%s imports only what its layer may", (_name, layer) => {
    const violations = files
      .filter((path) => layerOf(path) === layer.name)
      .flatMap((path) =>
        importsOf(path).flatMap((specifier) => {
          const target = resolve(path, specifier);
          if (target === undefined) return layer.forbiddenPackages.some((name) => specifier === name || specifier.startsWith(name.endsWith("/") ? name : `${name}/`)) ? [`${path} → ${specifier}`] : [];
          const targetLayer = layerOf(target) ?? target;
          return layer.mayImport.includes(targetLayer) ? [] : [`${path} → ${target} (${targetLayer})`];
        }),
      );
    expect(violations).toEqual([]);
  });

  it("puts every source file in a layer", () => {
    expect(files.filter((path) => layerOf(path) === undefined)).toEqual([]);
  });

  it("has no import cycle in shared/, types included", () => {
    const graph = new Map(files.filter((path) => path.startsWith("shared/")).map((path) => [path, importsOf(path).flatMap((specifier) => resolve(path, specifier) ?? []).filter((target) => target.startsWith("shared/"))]));
    const cycles: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (path: string, trail: string[]): void => {
      if (state.get(path) === "done") return;
      if (state.get(path) === "visiting") {
        cycles.push([...trail.slice(trail.indexOf(path)), path].join(" → "));
        return;
      }
      state.set(path, "visiting");
      for (const target of graph.get(path) ?? []) visit(target, [...trail, path]);
      state.set(path, "done");
    };
    for (const path of graph.keys()) visit(path, []);
    expect(cycles).toEqual([]);
  });
});
