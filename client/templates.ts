import type { TemplateDocument, TemplateSummary } from "#shared/domain/templates/template-document.ts";
import type { SignedCall } from "./signed-call.ts";
import { answerOf } from "./api-answer.ts";

export type { TemplateDocument, TemplateSummary };

export interface TemplatePreviewRequest {
  data?: Record<string, unknown>;
  locale?: string;
  version?: number;
  variant?: string;
  channels?: Array<"email" | "sms" | "push" | "in_app">;
}

export interface TemplatePreview {
  type: string;
  version: number;
  channels: {
    email?: { subject: string; html: string; text: string };
    sms?: { body: string; encoding: "GSM-7" | "UCS-2"; segments: number };
    push?: { title: string; body: string; truncated?: true };
    in_app?: { title: string; body: string };
  };
  warnings: string[];
}

/** A stored version as the API gives it back. */
export type TemplateVersion = TemplateDocument & { type: string; version: number; active: boolean };

/** The template routes of the HTTP API: templates are changed, listed and rolled back without a deploy. */
export class Templates {
  private readonly call: SignedCall | undefined;

  constructor(call: SignedCall | undefined) {
    this.call = call;
  }

  async list(): Promise<TemplateSummary[]> {
    return (await answerOf<{ items: TemplateSummary[] }>(await this.api()("GET", "/v1/templates"), 200)).items;
  }

  /** The active version, or `version`; undefined when there is none. */
  async get(type: string, version?: number): Promise<TemplateVersion | undefined> {
    const response = await this.api()("GET", `${this.path(type)}${version === undefined ? "" : `?version=${version}`}`);
    if (response.status === 404) return undefined;
    return answerOf(response, 200);
  }

  /** Stores the definition as the type's next version and activates it; a bad one throws RequestError (invalid_template) naming each problem. */
  async put(type: string, definition: TemplateDocument): Promise<{ type: string; version: number; active: boolean }> {
    return answerOf(await this.api()("PUT", this.path(type), definition), 201);
  }

  /** Each channel as a recipient would get it, from the active version or `version`, with warnings; data that would be refused at publish throws RequestError. */
  async preview(type: string, request: TemplatePreviewRequest = {}): Promise<TemplatePreview> {
    return answerOf(await this.api()("POST", `${this.path(type)}/preview`, request), 200);
  }

  /** Rolls back or forward; undefined when there is no such version. */
  async activate(type: string, version: number): Promise<{ type: string; activeVersion: number } | undefined> {
    const response = await this.api()("POST", `${this.path(type)}/activate`, { version });
    if (response.status === 404) return undefined;
    return answerOf(response, 200);
  }

  private path(type: string): string {
    return `/v1/templates/${encodeURIComponent(type)}`;
  }

  private api(): SignedCall {
    if (!this.call) throw new Error("templates are kept behind the HTTP API: create the client with NotifyClient.forHttpApi");
    return this.call;
  }
}
