import type { RenderedContent } from "#shared/domain/templates/render.ts";

export interface EmailHeader {
  Name: string;
  Value: string;
}

/** RFC 8058 one-click unsubscribe, which large mailbox providers require of bulk senders. */
export function emailHeaders(content: RenderedContent): EmailHeader[] | undefined {
  if (!("unsubscribeUrl" in content) || !content.unsubscribeUrl) return undefined;
  return [
    { Name: "List-Unsubscribe", Value: `<${content.unsubscribeUrl}>` },
    { Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click" },
  ];
}
