import { ConfigurationSet, EmailSendingEvent, EventDestination } from "aws-cdk-lib/aws-ses";
import type { ProviderFeedback } from "./provider-feedback.ts";

/**
 * An SES configuration set for the email worker to send with, whose events (deliveries, bounces,
 * complaints, opens, clicks) go to the feedback topic. Built inside the feedback construct, where it
 * has always been, so its id does not change.
 */
export function feedbackConfigurationSet(feedback: ProviderFeedback): ConfigurationSet {
  const configurationSet = new ConfigurationSet(feedback, "ConfigurationSet", {});
  configurationSet.addEventDestination("ToFeedbackTopic", {
    destination: EventDestination.snsTopic(feedback.topic),
    events: [EmailSendingEvent.DELIVERY, EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT, EmailSendingEvent.OPEN, EmailSendingEvent.CLICK],
  });
  return configurationSet;
}
