export { NotifyClient, type CancelResult, type HttpApiClientOptions, type NotificationRequest, type PublishResult } from "./notify-client.ts";
export { rotateUserTokenKey, type RotationOptions, type UserTokenOptions } from "./user-tokens.ts";
export { PublishIncompleteError } from "#shared/adapters/notification-publisher.ts";
export { RequestError, type RequestErrorCode, type RequestIssue } from "#shared/domain/request-error.ts";
export type { Audience, MemberChangeResult, MembersPage } from "./audiences.ts";
export type { TemplateDocument, TemplatePreview, TemplatePreviewRequest, TemplateSummary, TemplateVersion } from "./templates.ts";
export type { AnalyticsAnswer, AnalyticsQuery, AnalyticsRow } from "./analytics.ts";
