/**
 * Webhook request bodies for alerts: sockscope's own JSON, Slack and Discord
 * incoming webhooks, and the Prometheus Alertmanager API v2. Pure: the
 * writer sends what these return.
 *
 * Everything a rule author or a peer could influence is escaped for the
 * target: chat markup cannot ping anyone, open a link in angle brackets or
 * break the line; Alertmanager labels are single-line, bounded strings.
 * Payload bytes are never part of a body.
 *
 * @module
 */

import type { AlertEvent } from "../monitor/events.ts";
import { eventToJson } from "./event_json.ts";
import { alertSummary, formatEndpoint, visibleText } from "./alert_text.ts";

/**
 * Webhook body formats:
 * - `json`: the alert as sockscope's NDJSON object (one alert per request);
 * - `slack`: a Slack incoming-webhook message `{ "text": ... }`;
 * - `discord`: a Discord webhook message `{ "content": ..., "allowed_mentions": { "parse": [] } }`;
 * - `alertmanager`: an Alertmanager API v2 `POST /api/v2/alerts` body (an array, batched).
 */
export type WebhookFormat = "json" | "slack" | "discord" | "alertmanager";

/**
 * The formats, for validating option values.
 *
 * @example
 * ```ts
 * import { WEBHOOK_FORMATS } from "./webhook_payload.ts";
 * console.log(WEBHOOK_FORMATS.includes("slack")); // true
 * ```
 */
export const WEBHOOK_FORMATS: readonly WebhookFormat[] = [
  "json",
  "slack",
  "discord",
  "alertmanager",
];

/** Discord's limit on `content` (characters). */
const DISCORD_MAX = 2000;
/** Slack accepts 40,000; a notification longer than this is unreadable anyway. */
const SLACK_MAX = 3000;

/**
 * The Alertmanager severity label of an alert severity (1 high .. 4 low):
 * 1 `critical`, 2 `warning`, 3 and 4 `info`, the values most routing trees
 * match on. The exact number is in the `priority` label.
 */
function amSeverity(severity: number): string {
  return severity <= 1 ? "critical" : severity === 2 ? "warning" : "info";
}

/** Slack mrkdwn: `&`, `<` and `>` are control characters and must be entities. */
function slackEscape(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

/**
 * Discord markdown: a backslash before any punctuation shows it as is, so
 * every character markdown, mentions, emoji or autolinks use is escaped.
 */
function discordEscape(text: string): string {
  return text.replace(/[\\*_~`|<>\[\]()#:@-]/g, "\\$&");
}

/** Cuts escaped text to `max` UTF-16 units without splitting an escape or a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  // Do not end on a lone backslash (the first half of an escape) or a high surrogate.
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    if (c >= 0xd800 && c <= 0xdbff) {
      end--;
      continue;
    }
    let slashes = 0;
    while (end - 1 - slashes >= 0 && text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 1) {
      end--;
      continue;
    }
    break;
  }
  return text.slice(0, end) + "…";
}

/**
 * The Slack incoming-webhook message of an alert.
 *
 * @example
 * ```ts
 * import type { AlertEvent } from "../monitor/events.ts";
 * import { slackMessage } from "./webhook_payload.ts";
 * declare const alert: AlertEvent;
 * await fetch("https://hooks.slack.com/services/T/B/X", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify(slackMessage(alert)),
 * });
 * ```
 */
export function slackMessage(alert: AlertEvent): { text: string } {
  return { text: cut(slackEscape(`[sockscope] ${alertSummary(alert)}`), SLACK_MAX) };
}

/**
 * The Discord webhook message of an alert: within Discord's 2,000
 * characters, markdown escaped, and no mention of anyone allowed.
 *
 * @example
 * ```ts
 * import type { AlertEvent } from "../monitor/events.ts";
 * import { discordMessage } from "./webhook_payload.ts";
 * declare const alert: AlertEvent;
 * console.log(discordMessage(alert).content.length <= 2000); // true
 * ```
 */
export function discordMessage(
  alert: AlertEvent,
): { content: string; allowed_mentions: { parse: string[] } } {
  return {
    content: cut(discordEscape(`[sockscope] ${alertSummary(alert)}`), DISCORD_MAX),
    allowed_mentions: { parse: [] },
  };
}

/**
 * One alert of an Alertmanager API v2 `postableAlerts` body.
 *
 * @example
 * ```ts
 * import type { AlertmanagerAlert } from "./webhook_payload.ts";
 * const a: AlertmanagerAlert = { labels: { alertname: "x" }, annotations: {}, startsAt: new Date().toISOString() };
 * ```
 */
export interface AlertmanagerAlert {
  /** Identity of the alert: Alertmanager merges alerts with equal labels. */
  readonly labels: Record<string, string>;
  /** Information that is not identity (`summary`, `description`, flow details). */
  readonly annotations: Record<string, string>;
  /** When the alert fired (the event's `ts`). */
  readonly startsAt: string;
  /** Where the alert comes from, when configured. */
  readonly generatorURL?: string;
}

/**
 * The Alertmanager alert of a sockscope alert. Labels are the alert's
 * identity, so they are the fields that say *what* and *who*: alertname
 * (the signature), severity, priority, signature_id, origin, category,
 * proto, src, dst, dport. Per-connection fields (uid, sport, community_id,
 * counts) are annotations: as labels they would make every connection a
 * new alert. No `endsAt`: Alertmanager resolves the alert after its
 * `resolve_timeout` (5 minutes by default) unless it fires again.
 *
 * @example
 * ```ts
 * import type { AlertEvent } from "../monitor/events.ts";
 * import { alertmanagerAlert } from "./webhook_payload.ts";
 * declare const alert: AlertEvent;
 * console.log(alertmanagerAlert(alert).labels.alertname);
 * ```
 */
export function alertmanagerAlert(alert: AlertEvent, generatorURL?: string): AlertmanagerAlert {
  const labels: Record<string, string> = {
    alertname: visibleText(alert.signature, 128) || `sid ${alert.signature_id}`,
    severity: amSeverity(alert.severity),
    priority: String(alert.severity),
    signature_id: String(alert.signature_id),
    origin: alert.origin,
    proto: alert.proto,
    // An empty label value is no label: the unknown peer gets a word.
    src: alert.src ?? "unknown",
    dst: alert.dst,
    dport: String(alert.dport),
  };
  const category = visibleText(alert.category, 128);
  if (category !== "") labels.category = category;
  const flow = `${formatEndpoint(alert.src, alert.sport)} -> ${
    formatEndpoint(alert.dst, alert.dport)
  }/${alert.proto}`;
  const description = [
    `Signature: ${visibleText(alert.signature)} (sid ${alert.signature_id} rev ${alert.rev})`,
    `Category: ${category || "-"}`,
    `Flow: ${flow}, action ${alert.action}`,
  ];
  const annotations: Record<string, string> = {
    summary: alertSummary(alert),
    description: "",
    uid: alert.uid,
    action: alert.action,
    rev: String(alert.rev),
  };
  if (alert.sport !== null) annotations.sport = String(alert.sport);
  if (alert.community_id !== undefined) annotations.community_id = alert.community_id;
  if (alert.app_proto !== undefined) annotations.app_proto = visibleText(alert.app_proto, 32);
  if (alert.dir !== undefined) annotations.dir = alert.dir;
  if (alert.suppressed !== undefined) annotations.suppressed = String(alert.suppressed);
  const ep = alert.episode;
  if (ep !== undefined) {
    annotations.episode = `${ep.kind} ${ep.count} in ${ep.window}s (threshold ${ep.threshold})`;
    description.push(
      `Episode: ${annotations.episode} since ${ep.first}; ports ${ep.ports.slice(0, 32).join(",")}${
        ep.ports.length > 32 ? ",…" : ""
      }`,
    );
  }
  annotations.description = description.join("\n");
  return generatorURL === undefined
    ? { labels, annotations, startsAt: alert.ts }
    : { labels, annotations, startsAt: alert.ts, generatorURL };
}

/**
 * The request body for a batch of alerts in `format` (`json`, `slack` and
 * `discord` take one alert per request: pass one).
 *
 * @example
 * ```ts
 * import type { AlertEvent } from "../monitor/events.ts";
 * import { webhookBody } from "./webhook_payload.ts";
 * declare const alerts: AlertEvent[];
 * const body = webhookBody("alertmanager", alerts); // '[{"labels":...}]'
 * ```
 */
export function webhookBody(
  format: WebhookFormat,
  alerts: readonly AlertEvent[],
  generatorURL?: string,
): string {
  switch (format) {
    case "json":
      return eventToJson(alerts[0]);
    case "slack":
      return JSON.stringify(slackMessage(alerts[0]));
    case "discord":
      return JSON.stringify(discordMessage(alerts[0]));
    case "alertmanager":
      return JSON.stringify(alerts.map((a) => alertmanagerAlert(a, generatorURL)));
  }
}
