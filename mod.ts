/**
 * sockscope: socket-level network monitoring for Deno, Node.js and Bun.
 *
 * `listen()` binds TCP and UDP ports, accepts thousands of concurrent
 * connections, and reports every one as typed events: who, when, how long,
 * bytes each way, the first bytes, and how it closed, each with a stable
 * `uid` and its Community ID. Writers turn the events into NDJSON or console
 * lines; remote bytes are never written raw to a terminal.
 *
 * @example Print every connection's summary
 * ```ts
 * import { listen } from "@sockscope/sockscope";
 *
 * const monitor = await listen({ host: "127.0.0.1", ports: "8000,8022" });
 * for await (const event of monitor.events) {
 *   if (event.type === "conn.close") {
 *     console.log(`${event.src}:${event.sport} ${event.reason} ${event.orig_bytes} B in ${event.duration}s`);
 *   }
 * }
 * ```
 *
 * @module
 */

export { listen, type Monitor } from "./src/monitor/monitor.ts";
export {
  DEFAULT_CAPTURE_BYTES,
  DEFAULT_HOST,
  DEFAULT_MAX_CONNS,
  DEFAULT_PORT,
  type ListenOptions,
  type ResolvedListenOptions,
  resolveListenOptions,
  type TapMapping,
} from "./src/monitor/options.ts";
export type {
  AlertEpisode,
  AlertEvent,
  BanEvent,
  BehaviorKind,
  CloseReason,
  ConnAppEvent,
  ConnCloseEvent,
  ConnDataEvent,
  ConnDropEvent,
  ConnOpenEvent,
  Direction,
  EpisodeEndEvent,
  FlowFields,
  ListenerUpEvent,
  MonitorEvent,
  MonitorWarningEvent,
  Proto,
  SideEnd,
  UdpDatagramEvent,
  UpstreamError,
  WarningKind,
} from "./src/monitor/events.ts";
export type { MonitorStats } from "./src/monitor/stats.ts";

export type {
  AppInfo,
  DnsQueryInfo,
  HttpRequestInfo,
  RespInfo,
  ServiceName,
  SshBannerInfo,
  TlsClientHelloInfo,
} from "./src/detect/app_info.ts";
export {
  BEHAVIOR_KINDS,
  BEHAVIOR_SIGNATURES,
  type BehaviorConfig,
  type BehaviorSignature,
  type BehaviorThreshold,
  DEFAULT_BEHAVIOR,
} from "./src/detect/behavior_config.ts";
export {
  BehaviorDetector,
  type BehaviorEpisodeEnd,
  type BehaviorTrip,
  DEFAULT_MAX_SOURCES,
} from "./src/detect/behavior.ts";
export { resolveBehavior } from "./src/detect/resolve_behavior.ts";
export {
  type Ban,
  BanList,
  type BanOptions,
  DEFAULT_BAN_MAX_TIME_MS,
  DEFAULT_BAN_TIME_MS,
} from "./src/detect/ban_list.ts";
export { AccessList } from "./src/detect/access_list.ts";
export type { RuleEngine } from "./src/detect/rule_engine.ts";
export {
  FlowState,
  formatRuleReport,
  formatRuleWarning,
  loadRules,
  type RuleInput,
  type RuleLoadOptions,
  type RuleLoadReport,
  type RuleMatch,
  RuleSet,
  type RuleSetOptions,
  type RuleSource,
  type RuleWarning,
  SURICATA_DEFAULT_VARS,
} from "./src/detect/rules/load_rules.ts";
export { fingerprint, type FingerprintResult } from "./src/detect/fingerprint/fingerprint.ts";
export { parseHttpRequest } from "./src/detect/fingerprint/http_request.ts";
export { parseClientHello } from "./src/detect/fingerprint/tls_client_hello.ts";
export { ja3, type Ja3Input, type Ja3Result } from "./src/detect/fingerprint/ja3.ts";
export { ja4, type Ja4Input, type Ja4Transport } from "./src/detect/fingerprint/ja4.ts";
export { parseSshBanner } from "./src/detect/fingerprint/ssh_banner.ts";
export { parseResp } from "./src/detect/fingerprint/resp.ts";
export { parseDnsQuery } from "./src/detect/fingerprint/dns_query.ts";
export { guessText } from "./src/detect/fingerprint/guess.ts";
export { isGrease } from "./src/detect/fingerprint/grease.ts";
export { AlertThrottle, type AlertThrottleOptions } from "./src/detect/alert_throttle.ts";
export { EventHub, type EventListener, type SubscribeOptions } from "./src/monitor/event_hub.ts";
export { TopCounter } from "./src/monitor/top_counter.ts";
export { newUid } from "./src/monitor/uid.ts";

export type { Conn, ConnCloseInfo, ConnHandler } from "./src/net/conn.ts";
export type {
  ConnCallback,
  ListenerWarning,
  TcpListener,
  TcpListenOptions,
} from "./src/net/listener.ts";
export { DeadConn } from "./src/net/dead_conn.ts";
export type { DatagramCallback, UdpListener, UdpListenOptions } from "./src/net/datagram.ts";
export type { AdapterName, RuntimeAdapter } from "./src/net/adapter.ts";
export {
  AddressInUseError,
  AddressNotAvailableError,
  ConnectError,
  type ConnectFailure,
  PermissionDeniedError,
} from "./src/net/errors.ts";
export { DEFAULT_CONNECT_TIMEOUT_MS, type TcpConnectOptions } from "./src/net/connect.ts";
export { parsePortSpec } from "./src/net/ports.ts";
export { type HostPort, parseHostPort } from "./src/net/host_port.ts";
export { formatHostPort, formatIp, normalizeAddress, parseIp } from "./src/net/ip.ts";
export { type CidrBlock, CidrSet, parseCidr } from "./src/net/cidr.ts";

export {
  ADAPTER_NAMES,
  detectRuntime,
  loadAdapter,
  type RuntimeName,
} from "./src/runtime/detect.ts";

export type { Sink } from "./src/output/sink.ts";
export { NdjsonWriter, type NdjsonWriterOptions } from "./src/output/ndjson_writer.ts";
export { RecordWriter, type RecordWriterOptions } from "./src/output/record_writer.ts";
export type { RecordFormat } from "./src/output/record_format.ts";
export { ZeekConnFormat, type ZeekConnFormatOptions } from "./src/output/zeek_conn_format.ts";
export { EveFlowFormat } from "./src/output/eve_flow_format.ts";
export type { OutageEnd } from "./src/output/batch_writer.ts";
export {
  ConsoleWriter,
  type ConsoleWriterOptions,
  type PrintMode,
} from "./src/output/console_writer.ts";
export { eventToJson } from "./src/output/event_json.ts";
export { formatSummary } from "./src/output/summary.ts";
export {
  DEFAULT_DURATION_BUCKETS,
  type EventSource,
  MetricsCollector,
  type MetricsCollectorOptions,
  PROMETHEUS_CONTENT_TYPE,
  type WriterDropCounts,
} from "./src/output/metrics.ts";
export { metricsHandler } from "./src/output/metrics_handler.ts";
export {
  type HttpHandler,
  type HttpServeOptions,
  type HttpServer,
  serveHttp,
} from "./src/runtime/http_server.ts";
export { PcapFormat, type PcapFormatOptions } from "./src/output/pcap_format.ts";
export { BanLogFormat, type BanLogFormatOptions } from "./src/output/ban_log_format.ts";
export { zeekService } from "./src/output/zeek_conn_format.ts";
export { WebhookWriter, type WebhookWriterOptions } from "./src/output/webhook_writer.ts";
export {
  type AlertmanagerAlert,
  alertmanagerAlert,
  discordMessage,
  slackMessage,
  WEBHOOK_FORMATS,
  webhookBody,
  type WebhookFormat,
} from "./src/output/webhook_payload.ts";
export {
  parseSyslogTarget,
  type SyslogTarget,
  SyslogWriter,
  type SyslogWriterOptions,
} from "./src/output/syslog_writer.ts";
export {
  DEFAULT_SYSLOG_FACILITY,
  formatSyslog,
  parseSyslogFacility,
  SYSLOG_FACILITIES,
  type SyslogEvent,
  type SyslogFormatOptions,
  syslogSeverity,
} from "./src/output/syslog_format.ts";

export { communityId, type FlowTuple } from "./src/format/community_id.ts";
export { hexdump } from "./src/format/hexdump.ts";
export { md5 } from "./src/format/md5.ts";
export { sha256 } from "./src/format/sha256.ts";
export { hex } from "./src/format/hex.ts";
export { escapeText, escapeTextLines } from "./src/format/safe_text.ts";
export { formatDuration, parseDuration } from "./src/format/duration.ts";
export { formatBytes } from "./src/format/size.ts";
export { isoTimestamp, parseIsoTimestamp } from "./src/format/timestamp.ts";
export { parseEscapes } from "./src/format/escapes.ts";
export { VERSION } from "./src/version.ts";
