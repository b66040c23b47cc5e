import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { TemplateDocument } from "#shared/domain/templates/template-document.ts";

/** A definition read from a file, with the type it is for. */
export interface TemplateFile {
  file: string;
  type: string;
  definition: TemplateDocument;
}

/**
 * One JSON definition per file, naming its `type`; a directory is every .json file in it, in name
 * order. What `notify templates show --json` prints can be pushed back as it is: its version and
 * active flag are what the stack says, not part of the definition, and are left out.
 */
export async function readTemplateFiles(path: string): Promise<TemplateFile[]> {
  const files = (await stat(path)).isDirectory()
    ? (await readdir(path)).filter((name) => name.endsWith(".json")).sort().map((name) => join(path, name))
    : [path];
  if (files.length === 0) throw new Error(`no .json template definitions in ${path}`);
  return Promise.all(
    files.map(async (file) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(file, "utf8"));
      } catch (error) {
        throw new Error(`${file} is not JSON: ${(error as Error).message}`);
      }
      const { type, version: _version, active: _active, ...definition } = (parsed ?? {}) as Record<string, unknown>;
      if (typeof type !== "string") throw new Error(`${file} names no "type"`);
      return { file, type, definition: definition as TemplateDocument };
    }),
  );
}
