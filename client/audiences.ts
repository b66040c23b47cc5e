import type { SignedCall } from "./signed-call.ts";
import { answerOf } from "./api-answer.ts";

export interface Audience {
  audienceId: string;
  name?: string;
  description?: string;
  members: number;
  createdAt: string;
}

export interface MemberChangeResult {
  added: number;
  removed: number;
  members: number;
}

export interface MembersPage {
  items: string[];
  nextCursor?: string;
}

/** The audience routes of the HTTP API; audiences live only behind it, never on the topic. */
export class Audiences {
  private readonly call: SignedCall | undefined;

  constructor(call: SignedCall | undefined) {
    this.call = call;
  }

  /** Creates the audience, or replaces its name and description; members stay. */
  async put(audienceId: string, details: { name?: string; description?: string } = {}): Promise<Audience> {
    return answerOf(await this.api()("PUT", this.path(audienceId), details), 200);
  }

  /** undefined when there is no such audience. */
  async get(audienceId: string): Promise<Audience | undefined> {
    const response = await this.api()("GET", this.path(audienceId));
    if (response.status === 404) return undefined;
    return answerOf(response, 200);
  }

  /** 1-1,000 ids in all; adding a member twice or removing an absent one changes nothing. */
  async changeMembers(audienceId: string, change: { add?: string[]; remove?: string[] }): Promise<MemberChangeResult> {
    return answerOf(await this.api()("POST", `${this.path(audienceId)}/members`, change), 200);
  }

  async listMembers(audienceId: string, page: { limit?: number; cursor?: string } = {}): Promise<MembersPage> {
    const query = new URLSearchParams({ ...(page.limit ? { limit: String(page.limit) } : {}), ...(page.cursor ? { cursor: page.cursor } : {}) }).toString();
    return answerOf(await this.api()("GET", `${this.path(audienceId)}/members${query ? `?${query}` : ""}`), 200);
  }

  private path(audienceId: string): string {
    return `/v1/audiences/${encodeURIComponent(audienceId)}`;
  }

  private api(): SignedCall {
    if (!this.call) throw new Error("audiences are kept behind the HTTP API: create the client with NotifyClient.forHttpApi");
    return this.call;
  }
}
