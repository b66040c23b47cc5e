import { describe, expect, it } from "vitest";
import { call, uniqueId } from "../helpers/local-api.ts";

const path = (audienceId: string) => `/v1/audiences/${encodeURIComponent(audienceId)}`;

describe("audiences through the HTTP API", () => {
  it("creates an audience, renames it without touching its members, and answers 404 for one never created", async () => {
    const audienceId = uniqueId("aud");
    const created = await call("PUT", path(audienceId), { name: "Beta testers" });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ audienceId, name: "Beta testers", members: 0 });
    expect(Date.parse(created.body.createdAt)).not.toBeNaN();

    await call("POST", `${path(audienceId)}/members`, { add: ["u-1", "u-2"] });
    const renamed = await call("PUT", path(audienceId), { name: "Beta", description: "opted into early builds" });
    expect(renamed.body).toMatchObject({ audienceId, name: "Beta", description: "opted into early builds", members: 2, createdAt: created.body.createdAt });

    expect((await call("GET", path(audienceId))).body).toEqual(renamed.body);
    expect((await call("GET", path(uniqueId("never")))).status).toBe(404);
  });

  it("counts exactly what changed: adding a member twice or removing an absent one is not an error and moves nothing", async () => {
    const audienceId = uniqueId("aud");
    await call("PUT", path(audienceId), {});
    const first = await call("POST", `${path(audienceId)}/members`, { add: ["u-1", "u-2", "u-3"] });
    expect(first.body).toEqual({ added: 3, removed: 0, members: 3 });

    const second = await call("POST", `${path(audienceId)}/members`, { add: ["u-3", "u-4"], remove: ["u-1", "u-absent"] });
    expect(second.body).toEqual({ added: 1, removed: 1, members: 3 });
    expect((await call("GET", path(audienceId))).body.members).toBe(3);
  });

  it("pages every member exactly once across shards with an opaque cursor", async () => {
    const audienceId = uniqueId("aud");
    await call("PUT", path(audienceId), {});
    const members = Array.from({ length: 1_000 }, (_, index) => `user-${index}`);
    expect((await call("POST", `${path(audienceId)}/members`, { add: members })).body.members).toBe(1_000);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await call("GET", `${path(audienceId)}/members?limit=300${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(300);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(4);
    expect(seen.toSorted()).toEqual(members.toSorted());
  });

  it("refuses bad input with the field named and writes nothing", async () => {
    const audienceId = uniqueId("aud");
    expect((await call("PUT", path("bad id with spaces"), {})).status).toBe(400);
    expect((await call("POST", `${path(audienceId)}/members`, { add: ["u-1"] })).status).toBe(404);

    await call("PUT", path(audienceId), {});
    const tooMany = await call("POST", `${path(audienceId)}/members`, { add: Array.from({ length: 1_001 }, (_, index) => `u-${index}`) });
    expect(tooMany.status).toBe(400);
    const both = await call("POST", `${path(audienceId)}/members`, { add: ["u-1"], remove: ["u-1"] });
    expect(both.status).toBe(400);
    const badCursor = await call("GET", `${path(audienceId)}/members?cursor=not-a-cursor`);
    expect(badCursor.status).toBe(400);
    expect((await call("GET", path(audienceId))).body.members).toBe(0);
  });
});
