/**
 * Prometheus metrics: a collector that counts monitor events and renders the
 * text exposition format 0.0.4.
 *
 * Labels are bounded: `port` is always a listener's own port (a local port
 * from the listener set, at most 1024 per port specification), never a
 * peer's, and no metric is labelled by a peer address. Alert signatures get
 * a series each up to {@linkcode MAX_SIGNATURE_SERIES}, then share one
 * (`signature_id="other"`).
 *
 * @module
 */

import type { EventListener, SubscribeOptions } from "../monitor/event_hub.ts";
import type { CloseReason, MonitorEvent, Proto, WarningKind } from "../monitor/events.ts";
import type { MonitorStats } from "../monitor/stats.ts";
import { VERSION } from "../version.ts";

/**
 * Distinct `signature_id` label values of `sockscope_alert_signature_total`;
 * alerts of signatures past them are counted under `signature_id="other"`
 * (a rule set has tens of thousands of rules: one series each would be
 * unbounded for a scrape).
 *
 * @example
 * ```ts
 * import { MAX_SIGNATURE_SERIES } from "./metrics.ts";
 * console.log(`at most ${MAX_SIGNATURE_SERIES + 1} signature series`);
 * ```
 */
export const MAX_SIGNATURE_SERIES = 1000;

/** The `Content-Type` of the text exposition format that {@linkcode MetricsCollector.render} produces. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Upper bounds (seconds) of the connection-duration histogram's buckets: from
 * a scanner's instant reset (1 ms) to a session left open for hours.
 */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = [
  0.001,
  0.005,
  0.01,
  0.05,
  0.1,
  0.5,
  1,
  5,
  10,
  30,
  60,
  300,
  900,
  1800,
  3600,
  7200,
  14400,
];

/**
 * One writer's drop counts, as a writer reports them at scrape time
 * (e.g. `NdjsonWriter`'s `droppedByCause`).
 */
export interface WriterDropCounts {
  /** The writer's name, the `writer` label (`log`, `console`, ...). */
  readonly writer: string;
  /** Events dropped so far, by cause (`queue-full`, `enospc`, ...): the `cause` label. */
  readonly droppedByCause: Readonly<Record<string, number>>;
}

/** Options of {@linkcode MetricsCollector}. */
export interface MetricsCollectorOptions {
  /**
   * The monitor's counters (`() => monitor.stats()`), read at each scrape:
   * the source of the live TCP byte totals, of the events dropped by slow
   * consumers, and of warnings counted by every occurrence (the
   * `monitor.warning` event only reports the first of each kind).
   */
  readonly stats?: () => MonitorStats;
  /** The writers' drop counts, read at each scrape. */
  readonly writerDrops?: () => readonly WriterDropCounts[];
  /**
   * Start time of the process in milliseconds since the epoch, exported as
   * `process_start_time_seconds` (default `performance.timeOrigin`).
   */
  readonly startTimeMs?: number;
  /** Bucket upper bounds of the duration histogram, seconds, ascending (default {@linkcode DEFAULT_DURATION_BUCKETS}). */
  readonly durationBuckets?: readonly number[];
}

/** What a collector can subscribe to: a `Monitor`, or anything with its `subscribe`. */
export interface EventSource {
  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: EventListener, options?: SubscribeOptions): () => void;
}

const CLOSE_REASONS: readonly CloseReason[] = [
  "fin",
  "rst",
  "idle-timeout",
  "max-conns",
  "shutdown",
  "error",
  "denied",
  "banned",
];
const WARNING_KINDS: readonly WarningKind[] = [
  "handler-error",
  "accept-exhausted",
  "accept-error",
  "subscriber-error",
];

/** Counters of one listener (`proto`, `port`). */
class ListenerCounts {
  readonly proto: Proto;
  readonly port: number;
  /** The rendered `proto` and `port` labels. */
  readonly labels: string;
  opened = 0;
  closed = 0;
  closedBy = new Map<CloseReason, number>();
  droppedBy = new Map<string, number>();
  receivedBytes = 0;
  sentBytes = 0;
  datagramsReceived = 0;
  datagramsSent = 0;
  datagramBytesReceived = 0;
  datagramBytesSent = 0;

  constructor(proto: Proto, port: number) {
    this.proto = proto;
    this.port = port;
    this.labels = `proto="${proto}",port="${port}"`;
  }
}

/** A histogram's cumulative state (bucket counts are per bucket; rendering accumulates). */
class Histogram {
  readonly bounds: readonly number[];
  readonly counts: number[];
  count = 0;
  sum = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Array(bounds.length).fill(0);
  }

  observe(value: number): void {
    this.count++;
    this.sum += value;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        this.counts[i]++;
        return;
      }
    }
  }
}

/**
 * Counts monitor events and renders them as Prometheus metrics. Observing an
 * event is a few map look-ups; all formatting happens at scrape time.
 *
 * Per-listener counters start at the first event of that listener, so that
 * a listener without traffic costs no series. Byte counts per listener are
 * taken from `conn.close` (exact, counted when a connection ends); the
 * monitor-wide TCP totals from `stats` also include open connections.
 *
 * @example Count events and render the exposition text
 * ```ts
 * import { listen, MetricsCollector } from "@sockscope/sockscope";
 *
 * const monitor = await listen({ host: "127.0.0.1", ports: [0] });
 * const metrics = new MetricsCollector({ stats: () => monitor.stats() });
 * const stop = metrics.attach(monitor);
 * console.log(metrics.render());
 * stop();
 * await monitor.close();
 * ```
 */
export class MetricsCollector {
  #options: MetricsCollectorOptions;
  #startSeconds: number;
  /** By protocol and port, as one number (UDP ports past 65535): no key string per event. */
  #listeners = new Map<number, ListenerCounts>();
  #durations = new Map<Proto, Histogram>();
  #bounds: readonly number[];
  #warnings = new Map<WarningKind, number>();
  #upstreamFailures = new Map<string, number>();
  /** Alerts by `origin="...",severity="..."` labels. */
  #alerts = new Map<string, number>();
  #signatures = new Map<number, number>();
  #otherSignatures = 0;
  #bansTotal = 0;
  #banned = new Set<string>();
  #services = new Map<string, number>();

  /** Creates a collector; see {@linkcode MetricsCollectorOptions}. */
  constructor(options: MetricsCollectorOptions = {}) {
    const bounds = options.durationBuckets ?? DEFAULT_DURATION_BUCKETS;
    for (let i = 0; i < bounds.length; i++) {
      if (!Number.isFinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
        throw new RangeError(
          `Invalid durationBuckets "${
            bounds.join(",")
          }": expected finite numbers in ascending order`,
        );
      }
    }
    this.#bounds = bounds;
    this.#options = options;
    const start = options.startTimeMs ?? globalThis.performance?.timeOrigin ?? Date.now();
    this.#startSeconds = start / 1000;
    for (const kind of WARNING_KINDS) this.#warnings.set(kind, 0);
  }

  /**
   * Subscribes to `source` (a `Monitor`) without asking for payloads;
   * returns the function that unsubscribes.
   */
  attach(source: EventSource): () => void {
    return source.subscribe(this.observe, { data: false });
  }

  /** Counts one event (an {@linkcode EventListener}: pass it to `subscribe` as is). */
  readonly observe: EventListener = (event: MonitorEvent): void => {
    switch (event.type) {
      case "listener.up":
        this.#histogram(event.proto);
        return;
      case "conn.open":
        this.#listener(event.proto, event.dport).opened++;
        return;
      case "conn.close": {
        const l = this.#listener(event.proto, event.dport);
        l.closed++;
        l.closedBy.set(event.reason, (l.closedBy.get(event.reason) ?? 0) + 1);
        l.receivedBytes += event.orig_bytes;
        l.sentBytes += event.resp_bytes;
        this.#histogram(event.proto).observe(event.duration);
        const upstream = event.upstream_error;
        if (upstream !== undefined) {
          this.#upstreamFailures.set(upstream, (this.#upstreamFailures.get(upstream) ?? 0) + 1);
        }
        if (event.service !== undefined) {
          this.#services.set(event.service, (this.#services.get(event.service) ?? 0) + 1);
        }
        return;
      }
      case "alert": {
        const key = `origin="${event.origin === "rule" ? "rule" : "behavior"}",severity="${
          severityLabel(event.severity)
        }"`;
        this.#alerts.set(key, (this.#alerts.get(key) ?? 0) + 1);
        const sid = event.signature_id;
        const n = this.#signatures.get(sid);
        if (n !== undefined) this.#signatures.set(sid, n + 1);
        else if (this.#signatures.size < MAX_SIGNATURE_SERIES) this.#signatures.set(sid, 1);
        else this.#otherSignatures++;
        return;
      }
      case "ban":
        if (event.action === "ban") {
          this.#bansTotal++;
          this.#banned.add(event.src);
        } else {
          this.#banned.delete(event.src);
        }
        return;
      case "conn.drop": {
        const l = this.#listener(event.proto, event.dport);
        l.droppedBy.set(event.reason, (l.droppedBy.get(event.reason) ?? 0) + 1);
        return;
      }
      case "udp.datagram": {
        const l = this.#listener("udp", event.dport);
        if (event.dir === "orig") {
          l.datagramsReceived++;
          l.datagramBytesReceived += event.len;
        } else {
          l.datagramsSent++;
          l.datagramBytesSent += event.len;
        }
        return;
      }
      case "monitor.warning":
        this.#warnings.set(event.kind, (this.#warnings.get(event.kind) ?? 0) + 1);
        return;
    }
  };

  #listener(proto: Proto, port: number): ListenerCounts {
    const key = proto === "udp" ? 65536 + port : port;
    let l = this.#listeners.get(key);
    if (l === undefined) {
      l = new ListenerCounts(proto, port);
      this.#listeners.set(key, l);
    }
    return l;
  }

  #histogram(proto: Proto): Histogram {
    let h = this.#durations.get(proto);
    if (h === undefined) {
      h = new Histogram(this.#bounds);
      this.#durations.set(proto, h);
    }
    return h;
  }

  /** Renders every metric in the Prometheus text exposition format 0.0.4. */
  render(): string {
    const out: string[] = [];
    const stats = this.#options.stats?.();
    const listeners = [...this.#listeners.values()].sort((a, b) =>
      a.proto === b.proto ? a.port - b.port : a.proto === "tcp" ? -1 : 1
    );

    family(out, "sockscope_build_info", "gauge", "Build information; the value is always 1.");
    out.push(`sockscope_build_info{version="${escapeLabel(VERSION)}"} 1`);

    family(
      out,
      "process_start_time_seconds",
      "gauge",
      "Start time of the process since the Unix epoch, in seconds.",
    );
    out.push(`process_start_time_seconds ${num(this.#startSeconds)}`);

    family(
      out,
      "sockscope_connections_opened_total",
      "counter",
      "Connections accepted (TCP) or flows started (UDP), by listener.",
    );
    for (const l of listeners) {
      out.push(`sockscope_connections_opened_total{${l.labels}} ${l.opened}`);
    }

    family(
      out,
      "sockscope_connections_closed_total",
      "counter",
      "Connections (TCP) or flows (UDP) that ended, by listener and reason.",
    );
    for (const l of listeners) {
      for (const reason of CLOSE_REASONS) {
        const n = l.closedBy.get(reason);
        if (n !== undefined) {
          out.push(`sockscope_connections_closed_total{${l.labels},reason="${reason}"} ${n}`);
        }
      }
    }

    family(
      out,
      "sockscope_connections_active",
      "gauge",
      "Connections (TCP) or flows (UDP) open now, by listener.",
    );
    for (const l of listeners) {
      // A connection opened before the collector subscribed can close after: never below 0.
      out.push(`sockscope_connections_active{${l.labels}} ${Math.max(0, l.opened - l.closed)}`);
    }

    family(
      out,
      "sockscope_connections_dropped_total",
      "counter",
      "Connections closed at once by a limit (conn.drop), by listener and reason.",
    );
    for (const l of listeners) {
      for (const [reason, n] of l.droppedBy) {
        out.push(
          `sockscope_connections_dropped_total{${l.labels},reason="${escapeLabel(reason)}"} ${n}`,
        );
      }
    }

    family(
      out,
      "sockscope_received_bytes_total",
      "counter",
      "Bytes received from peers by connections and flows that have ended, by listener.",
    );
    for (const l of listeners) {
      out.push(`sockscope_received_bytes_total{${l.labels}} ${l.receivedBytes}`);
    }

    family(
      out,
      "sockscope_sent_bytes_total",
      "counter",
      "Bytes sent to peers by connections and flows that have ended, by listener.",
    );
    for (const l of listeners) out.push(`sockscope_sent_bytes_total{${l.labels}} ${l.sentBytes}`);

    const udp = listeners.filter((l) => l.proto === "udp");
    family(
      out,
      "sockscope_udp_datagrams_total",
      "counter",
      "UDP datagrams, by listener port and direction.",
    );
    for (const l of udp) {
      const port = `port="${l.port}"`;
      out.push(
        `sockscope_udp_datagrams_total{${port},direction="received"} ${l.datagramsReceived}`,
      );
      out.push(`sockscope_udp_datagrams_total{${port},direction="sent"} ${l.datagramsSent}`);
    }
    family(
      out,
      "sockscope_udp_datagram_bytes_total",
      "counter",
      "Bytes in UDP datagrams, by listener port and direction (counted as they pass).",
    );
    for (const l of udp) {
      const port = `port="${l.port}"`;
      out.push(
        `sockscope_udp_datagram_bytes_total{${port},direction="received"} ${l.datagramBytesReceived}`,
      );
      out.push(
        `sockscope_udp_datagram_bytes_total{${port},direction="sent"} ${l.datagramBytesSent}`,
      );
    }

    family(
      out,
      "sockscope_connection_duration_seconds",
      "histogram",
      "Duration of connections (TCP) and flows (UDP) that ended, from accept to close.",
    );
    for (const proto of ["tcp", "udp"] as const) {
      const h = this.#durations.get(proto);
      if (h === undefined) continue;
      let cumulative = 0;
      for (let i = 0; i < h.bounds.length; i++) {
        cumulative += h.counts[i];
        out.push(
          `sockscope_connection_duration_seconds_bucket{proto="${proto}",le="${
            num(h.bounds[i])
          }"} ${cumulative}`,
        );
      }
      out.push(
        `sockscope_connection_duration_seconds_bucket{proto="${proto}",le="+Inf"} ${h.count}`,
      );
      out.push(`sockscope_connection_duration_seconds_sum{proto="${proto}"} ${num(h.sum)}`);
      out.push(`sockscope_connection_duration_seconds_count{proto="${proto}"} ${h.count}`);
    }

    family(
      out,
      "sockscope_upstream_failures_total",
      "counter",
      "Tap mode: connections whose upstream could not be reached, by reason.",
    );
    for (const [reason, n] of this.#upstreamFailures) {
      out.push(`sockscope_upstream_failures_total{reason="${escapeLabel(reason)}"} ${n}`);
    }

    family(
      out,
      "sockscope_app_connections_total",
      "counter",
      "Connections and flows that ended, by the application protocol recognised from their first bytes.",
    );
    for (const [service, n] of [...this.#services].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      out.push(`sockscope_app_connections_total{service="${escapeLabel(service)}"} ${n}`);
    }

    family(
      out,
      "sockscope_alerts_total",
      "counter",
      "Alerts raised, by origin (behavior detector or payload rule) and severity (1 high to 4 low).",
    );
    for (const [labels, n] of [...this.#alerts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      out.push(`sockscope_alerts_total{${labels}} ${n}`);
    }

    family(
      out,
      "sockscope_alert_signature_total",
      "counter",
      `Alerts raised, by signature id (the first ${MAX_SIGNATURE_SERIES} signatures seen; later ones as "other").`,
    );
    for (const [sid, n] of [...this.#signatures].sort((a, b) => a[0] - b[0])) {
      out.push(`sockscope_alert_signature_total{signature_id="${escapeLabel(String(sid))}"} ${n}`);
    }
    if (this.#otherSignatures > 0) {
      out.push(`sockscope_alert_signature_total{signature_id="other"} ${this.#otherSignatures}`);
    }

    family(
      out,
      "sockscope_bans_total",
      "counter",
      "Sources banned (ban events), repeat bans included.",
    );
    // stats() knows bans given before the collector subscribed; the events are the fallback.
    out.push(`sockscope_bans_total ${stats?.bansTotal ?? this.#bansTotal}`);
    family(
      out,
      "sockscope_bans_active",
      "gauge",
      "Sources banned now (banned and not yet expired).",
    );
    out.push(`sockscope_bans_active ${stats?.bansActive ?? this.#banned.size}`);

    family(
      out,
      "sockscope_warnings_total",
      "counter",
      "Faults the monitor absorbed (monitor.warning), by kind.",
    );
    for (const kind of WARNING_KINDS) {
      // stats() counts every occurrence; the event only the first of each kind.
      const n = stats?.warnings[kind] ?? this.#warnings.get(kind) ?? 0;
      out.push(`sockscope_warnings_total{kind="${kind}"} ${n}`);
    }

    const writers = this.#options.writerDrops?.() ?? [];
    family(
      out,
      "sockscope_writer_dropped_events_total",
      "counter",
      "Events a writer could not write (queue full, disk full, closed output...), by writer and cause.",
    );
    for (const w of writers) {
      for (const [cause, n] of Object.entries(w.droppedByCause)) {
        out.push(
          `sockscope_writer_dropped_events_total{writer="${escapeLabel(w.writer)}",cause="${
            escapeLabel(cause)
          }"} ${num(n)}`,
        );
      }
    }

    if (stats !== undefined) {
      family(
        out,
        "sockscope_dropped_events_total",
        "counter",
        "Payload events (conn.data, udp.datagram) that slow consumers of the event stream missed.",
      );
      out.push(`sockscope_dropped_events_total ${stats.eventsDropped}`);
      family(
        out,
        "sockscope_tcp_received_bytes_total",
        "counter",
        "Bytes received from peers over TCP, all connections including open ones.",
      );
      out.push(`sockscope_tcp_received_bytes_total ${stats.bytesIn}`);
      family(
        out,
        "sockscope_tcp_sent_bytes_total",
        "counter",
        "Bytes sent to peers over TCP, all connections including open ones.",
      );
      out.push(`sockscope_tcp_sent_bytes_total ${stats.bytesOut}`);
    }
    out.push("");
    return out.join("\n");
  }
}

/** A severity as a bounded label: the integers 1-4 as they are, anything else `other`. */
function severityLabel(severity: number): string {
  return severity === 1 || severity === 2 || severity === 3 || severity === 4
    ? String(severity)
    : "other";
}

/** Writes a metric family's HELP and TYPE lines. */
function family(out: string[], name: string, type: string, help: string): void {
  out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
}

/** Escapes a label value per the exposition format: backslash, double quote and line feed. */
function escapeLabel(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
    : value;
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A sample value: Prometheus spells the infinities `+Inf`/`-Inf`. */
function num(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}
