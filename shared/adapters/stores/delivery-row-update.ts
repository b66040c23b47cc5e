import type { UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import { historyAttribute, type RowChanges } from "#shared/domain/delivery-row.ts";

/** The parts of one UpdateItem on a delivery's row, which the events function and the claim's completion both build. */
export interface RowUpdate {
  sets: string[];
  removes: string[];
  conditions: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/**
 * What the row is expected to hold for the changes to apply. `"unseen"`: every history entry is new,
 * the status outranks the stored one and attempts does not go down (true of nearly every write);
 * otherwise the row's precedence is still the one read, and the changes are exactly what it lacks.
 */
export type RowExpectation = "unseen" | { precedence: string | undefined };

/** Sets the given status fields, attempts and history entries, under the expectation. */
export function rowChangesUpdate(changes: RowChanges, expect: RowExpectation): RowUpdate {
  const { history, attempts, ...status } = changes;
  const update: RowUpdate = { sets: [], removes: [], conditions: [], names: { "#precedenceKey": "precedence" }, values: {} };
  for (const [field, value] of Object.entries(status)) {
    update.names[`#${field}`] = field;
    update.values[`:${field}`] = value;
    update.sets.push(`#${field} = :${field}`);
  }
  if (attempts !== undefined) {
    update.values[":attempts"] = attempts;
    update.sets.push("attempts = :attempts");
  }
  Object.entries(history).forEach(([eventId, entry], index) => {
    update.names[`#h${index}`] = historyAttribute(eventId);
    update.values[`:h${index}`] = entry;
    update.sets.push(`#h${index} = :h${index}`);
    if (expect === "unseen") update.conditions.push(`attribute_not_exists(#h${index})`);
  });
  if (expect === "unseen") {
    update.conditions.push("(attribute_not_exists(#precedenceKey) OR #precedenceKey < :precedence)");
    if (attempts !== undefined) update.conditions.push("(attribute_not_exists(attempts) OR attempts <= :attempts)");
  } else if (expect.precedence === undefined) {
    update.conditions.push("attribute_not_exists(#precedenceKey)");
  } else {
    update.values[":readPrecedence"] = expect.precedence;
    update.conditions.push("#precedenceKey = :readPrecedence");
  }
  return update;
}

/** Both updates in one: their sets, removes and conditions together. */
export function combined(first: RowUpdate, second: RowUpdate): RowUpdate {
  return {
    sets: [...first.sets, ...second.sets],
    removes: [...first.removes, ...second.removes],
    conditions: [...first.conditions, ...second.conditions],
    names: { ...first.names, ...second.names },
    values: { ...first.values, ...second.values },
  };
}

/** The UpdateItem request; a failed condition returns the row as it was, so the writer can merge again without a read. */
export function updateCommandInput(tableName: string, key: Record<string, string>, update: RowUpdate): UpdateCommandInput {
  const expression = [update.sets.length ? `SET ${update.sets.join(", ")}` : "", update.removes.length ? `REMOVE ${update.removes.join(", ")}` : ""].filter(Boolean).join(" ");
  return {
    TableName: tableName,
    Key: key,
    UpdateExpression: expression,
    ConditionExpression: update.conditions.join(" AND "),
    ExpressionAttributeNames: update.names,
    ...(Object.keys(update.values).length ? { ExpressionAttributeValues: update.values } : {}),
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}
