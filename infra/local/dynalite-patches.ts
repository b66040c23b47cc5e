import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let installed = false;

interface DynaliteDb {
  checkConditional(data: Record<string, unknown>, existingItem: Record<string, unknown> | undefined): (Error & { body: Record<string, unknown> }) | null | undefined;
}

/**
 * dynalite ignores ReturnValuesOnConditionCheckFailure; DynamoDB answers a failed conditional write
 * that asks for ALL_OLD with the item as it stood, which spares the writer a read.
 */
export function installDynalitePatches(): void {
  if (installed) return;
  installed = true;
  // Its request validation drops parameters it does not know; teach it this one for the writes.
  for (const action of ["putItem", "updateItem", "deleteItem"]) {
    const { types } = require(`dynalite/validations/${action}.js`) as { types: Record<string, unknown> };
    types.ReturnValuesOnConditionCheckFailure = { type: "String", enum: ["ALL_OLD", "NONE"] };
  }
  const db = require("dynalite/db/index.js") as DynaliteDb;
  const checkConditional = db.checkConditional;
  db.checkConditional = (data, existingItem) => {
    const failure = checkConditional(data, existingItem);
    if (failure && data.ReturnValuesOnConditionCheckFailure === "ALL_OLD" && existingItem) failure.body.Item = existingItem;
    return failure;
  };
}
