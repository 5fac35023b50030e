/**
 * `sockscope listen` and `sockscope tap`: wires the monitor to the console,
 * the NDJSON log, the standard records (Zeek, EVE, pcap) and the metrics
 * endpoint, and handles signals, a closed console, output outages and the
 * summary.
 *
 * @module
 */

import { listen, type Monitor } from "../src/monitor/monitor.ts";
import { ConsoleWriter, type PrintMode } from "../src/output/console_writer.ts";
import { NdjsonWriter } from "../src/output/ndjson_writer.ts";
import { RecordWriter } from "../src/output/record_writer.ts";
import type { RecordFormat } from "../src/output/record_format.ts";
import { ZeekConnFormat } from "../src/output/zeek_conn_format.ts";
import { EveFlowFormat } from "../src/output/eve_flow_format.ts";
import { PcapFormat } from "../src/output/pcap_format.ts";
import { MetricsCollector } from "../src/output/metrics.ts";
import { metricsHandler } from "../src/output/metrics_handler.ts";
import { type HttpServer, serveHttp } from "../src/runtime/http_server.ts";
import { formatSummary } from "../src/output/summary.ts";
import { formatDuration } from "../src/format/duration.ts";
import { formatBytes } from "../src/format/size.ts";
import { formatHostPort } from "../src/net/ip.ts";
import type { ListenOptions } from "../src/monitor/options.ts";
import type { MonitorEvent } from "../src/monitor/events.ts";
import type { Sink } from "../src/output/sink.ts";
import type { OutageEnd } from "../src/output/batch_writer.ts";
import type { Platform } from "../src/runtime/platform.ts";
import type { DetectCliOptions, OutputOptions } from "./args.ts";
import { BanLogFormat } from "../src/output/ban_log_format.ts";
import { WebhookWriter } from "../src/output/webhook_writer.ts";
import { SyslogWriter } from "../src/output/syslog_writer.ts";
import { loadAdapter } from "../src/runtime/detect.ts";
import { formatRuleReport, formatRuleWarning, loadRules } from "../src/detect/rules/load_rules.ts";
import type { RuleLoadReport } from "../src/detect/rules/rule_types.ts";
import { readRuleFiles } from "./check_command.ts";
import { describeError } from "./describe_error.ts";

const encoder = new TextEncoder();
/** Bytes of events each output may hold while it cannot write (see NdjsonWriter). */
const OUTPUT_BUFFER_BYTES = 16 * 1024 * 1024;
/** Causes that mean the reader went away (`| head`): the run ends as on SIGTERM, with status 0. */
const READER_GONE = new Set(["epipe", "econnreset"]);
/** How long a stopping run waits for a console that is not being read. */
const CONSOLE_CLOSE_WAIT_MS = 2000;
/** How long a stopping run waits for each output file to take its last events. */
const OUTPUT_CLOSE_WAIT_MS = 10_000;
/** Skipped rules listed on the console at start; `sockscope check` lists them all. */
const RULE_WARNINGS_SHOWN = 10;

/** An alert channel (webhook, syslog): what the summary reports of it. */
interface AlertChannel {
  readonly name: string;
  readonly writer: WebhookWriter | SyslogWriter;
}

/** What every output file writer offers (NdjsonWriter and RecordWriter alike). */
interface OutputWriter {
  readonly handle: (event: MonitorEvent) => void;
  readonly dropped: number;
  readonly droppedByCause: Record<string, number>;
  readonly written: number;
  /** Records in the file, where a format writes none for some events (Zeek, EVE, bans). */
  readonly records?: number;
  reopen(): Promise<boolean>;
  close(): Promise<void>;
}

/** One output file: what it is called in messages, and its writer. */
interface Output {
  /** `log`, `zeek`, `eve`, `pcap`: the flag, and the metrics' writer label. */
  readonly flag: string;
  /** The path, or `stdout`. */
  readonly name: string;
  readonly path: string;
  readonly format?: RecordFormat;
  /**
   * A line per record, and none for most events (conn.log, EVE, the ban
   * log): the summary counts the records. Not the pcap, whose records are
   * packets.
   */
  readonly lineRecords?: boolean;
  sink?: Sink;
  writer?: OutputWriter;
}

/** Runs the monitor until a signal (or a closed console); resolves with the exit code. */
export async function runListen(
  platform: Platform,
  options: {
    listen: ListenOptions;
    print: PrintMode;
    /** No line per connection on the console (`--quiet`). */
    quiet?: boolean;
    log: string | undefined;
    outputs?: OutputOptions;
    detect?: DetectCliOptions;
  },
): Promise<number> {
  const extra = options.outputs ?? {};
  const toStdout = options.log === "-";
  const consoleStream = toStdout ? platform.stderr : platform.stdout;
  // no-color.org: NO_COLOR counts when present and not empty.
  const color = consoleStream.isTerminal && !platform.env("NO_COLOR");
  const fail = async (message: string) => {
    try {
      await platform.stderr.write(encoder.encode(`sockscope: ${message}\n`));
    } catch { /* nowhere left to say it; the exit status does */ }
    return 1;
  };

  // Rules first: a rule file that cannot be used stops the run before anything is opened.
  const detect = options.detect;
  let listenOptions = options.listen;
  let ruleReport: RuleLoadReport | undefined;
  if (detect !== undefined && detect.rules.length > 0) {
    const sources = await readRuleFiles(platform, detect.rules);
    if (typeof sources === "string") {
      await fail(sources);
      return 2;
    }
    const { ruleSet, report } = loadRules(sources, { vars: detect.vars });
    if (detect.rulesStrict && report.skipped > 0) {
      const lines = report.warnings.map((w) => formatRuleWarning(w)).join("\n");
      await fail(`${lines}\n${formatRuleReport(report)}\n--rules-strict: a rule was skipped`);
      return 2;
    }
    ruleReport = report;
    listenOptions = { ...listenOptions, rules: ruleSet };
  }

  // SIGHUP's default action ends the process; from here on it never does (it reopens the outputs).
  let onHangup = (): void => {};
  try {
    platform.onSignal("SIGHUP", () => onHangup());
  } catch { /* no SIGHUP on this system (Deno on Windows): nothing to rotate by signal */ }

  const pcap = extra.pcap !== undefined
    ? new PcapFormat({ maxBytes: extra.pcapMaxBytes })
    : undefined;
  const outputs: Output[] = [];
  if (options.log !== undefined) {
    outputs.push({ flag: "log", name: toStdout ? "stdout" : options.log, path: options.log });
  }
  if (extra.zeek !== undefined) {
    const json = extra.zeekFormat === "json" ||
      (extra.zeekFormat === undefined && extra.zeek.toLowerCase().endsWith(".json"));
    outputs.push({
      flag: "zeek",
      name: extra.zeek,
      path: extra.zeek,
      format: new ZeekConnFormat({ json }),
      lineRecords: true,
    });
  }
  if (extra.eve !== undefined) {
    outputs.push({
      flag: "eve",
      name: extra.eve,
      path: extra.eve,
      format: new EveFlowFormat(),
      lineRecords: true,
    });
  }
  if (pcap && extra.pcap !== undefined) {
    outputs.push({ flag: "pcap", name: extra.pcap, path: extra.pcap, format: pcap });
  }
  if (detect?.banLog !== undefined) {
    outputs.push({
      flag: "ban-log",
      name: detect.banLog,
      path: detect.banLog,
      format: new BanLogFormat({ pid: platform.pid }),
      lineRecords: true,
    });
  }

  // Open every output first: a monitor that cannot record should not start.
  for (const out of outputs) {
    try {
      out.sink = out.path === "-" ? platform.stdout : await platform.openAppend(out.path);
    } catch (err) {
      for (const o of outputs) await o.sink?.close();
      return fail(`cannot open --${out.flag} file "${out.path}": ${(err as Error).message}`);
    }
  }

  let monitor: Monitor;
  try {
    monitor = await listen(listenOptions);
  } catch (err) {
    for (const o of outputs) await o.sink?.close();
    return fail((err as Error).message);
  }

  // The first of: SIGINT/SIGTERM, a closed console, an output gone for good. Resolves with the exit code.
  let stopping = false;
  let stop!: (code: number) => void;
  const stopped = new Promise<number>((resolve) => {
    stop = (code) => {
      stopping = true;
      resolve(code);
    };
  });

  /** Why the console stream is dead (its reader left), if it is. */
  let consoleGone: Error | undefined;
  const view = new ConsoleWriter(consoleStream, {
    print: options.print,
    connections: !options.quiet,
    color,
    onFatal: (error, cause) => {
      consoleGone = error;
      // `sockscope | head`: nobody reads any more; finish as SIGTERM would.
      if (READER_GONE.has(cause)) stop(0);
    },
  });
  monitor.subscribe(view.handle, { data: view.wantsData });
  if (ruleReport !== undefined) {
    for (const w of ruleReport.warnings.slice(0, RULE_WARNINGS_SHOWN)) {
      view.line(`sockscope: ${formatRuleWarning(w)}`);
    }
    const more = ruleReport.warnings.length - RULE_WARNINGS_SHOWN;
    if (more > 0) {
      view.line(
        `sockscope: ... ${
          count(more, "more skipped rule")
        }: sockscope check --rules FILE lists them all`,
      );
    }
    view.line(`sockscope: ${formatRuleReport(ruleReport)}`);
  }

  const channels: AlertChannel[] = [];
  const channelCallbacks = (name: string) => ({
    onOutage: (error: Error, cause: string) =>
      view.line(
        `sockscope: ${name} failed (${cause}: ${
          describeError(error)
        }): retrying; alerts wait in memory (up to 1,000) and are dropped past that`,
      ),
    onResume: (end: OutageEnd) =>
      view.line(
        `sockscope: ${name} delivers again after ${formatDuration(end.durationMs)}; ${
          end.dropped === 0 ? "no alerts" : count(end.dropped, "alert")
        } dropped`,
      ),
  });
  for (const url of detect?.webhooks ?? []) {
    // Never the URL's path or query in messages: Slack and Discord keep their token there.
    const name = `webhook ${new URL(url).host}`;
    const writer = new WebhookWriter(url, {
      format: detect!.webhookFormat,
      ...channelCallbacks(name),
      onRejected: (error, status) =>
        view.line(`sockscope: ${name} refused an alert (HTTP ${status}): ${describeError(error)}`),
    });
    channels.push({ name, writer });
    monitor.subscribe(writer.handle, { data: false });
  }
  if ((detect?.syslog ?? []).length > 0) {
    const adapter = await loadAdapter(
      typeof listenOptions.adapter === "string" ? listenOptions.adapter : undefined,
    );
    for (const target of detect!.syslog) {
      const name = `syslog ${target}`;
      const writer = new SyslogWriter(target, adapter, {
        hostname: platform.hostname(),
        procId: String(platform.pid),
        ...channelCallbacks(name),
      });
      channels.push({ name, writer });
      monitor.subscribe(writer.handle, { data: false });
    }
  }

  for (const out of outputs) {
    const callbacks = {
      maxPendingBytes: OUTPUT_BUFFER_BYTES,
      onOutage: (error: Error) =>
        view.line(
          `sockscope: writing ${out.name} failed (${
            describeError(error)
          }): retrying; events wait in memory (up to ${
            formatBytes(OUTPUT_BUFFER_BYTES)
          }) and are dropped past that while it fails`,
        ),
      onResume: (end: OutageEnd) =>
        view.line(
          `sockscope: writing ${out.name} resumed after ${formatDuration(end.durationMs)}; ${
            end.dropped === 0 ? "no events" : count(end.dropped, "event")
          } dropped (${end.cause})`,
        ),
      onFatal: (error: Error, cause: string) => {
        const gone = READER_GONE.has(cause);
        view.line(
          `sockscope: writing ${out.name} failed for good (${describeError(error)}): ${
            gone ? "its reader is gone; " : ""
          }stopping`,
        );
        stop(gone ? 0 : 1);
      },
    };
    const writer = out.format
      ? new RecordWriter(out.sink!, out.format, callbacks)
      : new NdjsonWriter(out.sink!, callbacks);
    out.writer = writer;
    monitor.subscribe(writer.handle, { data: out.format ? out.format.wantsData : true });
  }

  let metricsServer: HttpServer | undefined;
  if (extra.metrics) {
    const collector = new MetricsCollector({
      stats: () => monitor.stats(),
      writerDrops: () =>
        outputs.map((o) => ({ writer: o.flag, droppedByCause: o.writer!.droppedByCause })),
    });
    collector.attach(monitor);
    try {
      metricsServer = await serveHttp(
        { hostname: extra.metrics.host, port: extra.metrics.port },
        metricsHandler(collector),
      );
      view.line(
        `sockscope: metrics at http://${
          formatHostPort(extra.metrics.host, metricsServer.localPort)
        }/metrics`,
      );
    } catch (err) {
      await monitor.close();
      for (const o of outputs) await o.writer?.close();
      await view.close();
      return fail(`--metrics: ${(err as Error).message}`);
    }
  }

  onHangup = () => {
    if (stopping) return; // the outputs are being closed; nothing to rotate into
    const files = outputs.filter((o) => o.path !== "-");
    if (files.length === 0) {
      view.line("sockscope: SIGHUP: no output file to reopen");
      return;
    }
    for (const out of files) {
      out.writer!.reopen().then(
        (reopened) => {
          if (reopened) view.line(`sockscope: reopened ${out.name} (SIGHUP)`);
        },
        (err) =>
          view.line(
            `sockscope: reopening ${out.name} failed (${
              describeError(err)
            }): still writing to the old file`,
          ),
      );
    }
  };

  let stopSignal: "SIGINT" | "SIGTERM" = "SIGTERM";
  const onSignal = (signal: "SIGINT" | "SIGTERM") => () => {
    if (stopping) platform.dieOf(signal); // the operator insists: no more waiting
    stopSignal = signal;
    stop(0);
  };
  platform.onSignal("SIGINT", onSignal("SIGINT"));
  platform.onSignal("SIGTERM", onSignal("SIGTERM"));
  const code = await stopped;

  await monitor.close();
  await metricsServer?.close();
  // An output that takes nothing (a FIFO whose reader stopped reading) must not
  // keep a stopped run alive: each gets a while to finish, then what it still
  // holds is given up, and the summary says so.
  const unfinished = new Set<Output>();
  await Promise.all(outputs.map(async (out) => {
    if (!(await finishesWithin(out.writer!.close(), OUTPUT_CLOSE_WAIT_MS))) unfinished.add(out);
  }));
  // Bounded: a channel that cannot deliver gives up and counts what it lost.
  await Promise.all(channels.map((c) => c.writer.close()));
  let summary = formatSummary(monitor.stats());
  for (const out of outputs) {
    const w = out.writer!;
    if (w.dropped > 0) {
      const causes = Object.entries(w.droppedByCause).filter(([, n]) => n > 0)
        .sort(([, a], [, b]) => b - a);
      summary += `  ${out.flag}: ${count(w.dropped, "event")} dropped: ${
        causes.map(([cause, n]) => `${cause} ${n.toLocaleString("en-US")}`).join(", ")
      }\n`;
    }
    summary += out.lineRecords && w.records !== undefined && w.records !== w.written
      ? `  ${out.flag}: ${count(w.records, "record")} written to ${out.name} (of ${
        count(w.written, "event")
      })\n`
      : `  ${out.flag}: ${count(w.written, "event")} written to ${out.name}\n`;
    if (unfinished.has(out)) {
      summary += `  ${out.flag}: ${out.name} took nothing for ${
        formatDuration(OUTPUT_CLOSE_WAIT_MS)
      }; what it still held is lost\n`;
    }
  }
  for (const { name, writer } of channels) {
    summary += `  ${name}: ${count(writer.sent, "alert")} delivered${
      writer.failed > 0 ? `, ${n(writer.failed)} failed` : ""
    }${writer.dropped > 0 ? `, ${n(writer.dropped)} dropped` : ""}\n`;
  }
  if (view.dropped > 0) {
    summary += `  console: ${count(view.dropped, "line")} not shown (its reader fell behind)\n`;
  }
  if (pcap) {
    const notes = [
      pcap.packetsOverCap > 0
        ? `${count(pcap.packetsOverCap, "packet")} (${
          formatBytes(pcap.bytesOverCap)
        }) left out past --pcap-max-bytes`
        : "",
      pcap.skippedUnknownPeer > 0
        ? `${count(pcap.skippedUnknownPeer, "connection")} of unknown peer not in the pcap`
        : "",
    ].filter((n) => n !== "");
    if (notes.length > 0) summary += `  pcap: ${notes.join("; ")}\n`;
  }
  if (consoleGone && consoleStream !== platform.stderr) {
    // The console's reader left; stderr may still reach the operator.
    const why = `sockscope: the console (stdout) was closed (${describeError(consoleGone)})`;
    try {
      await platform.stderr.write(encoder.encode(`${why}\n${summary}`));
    } catch { /* stderr is gone too */ }
  } else {
    view.line(summary.trimEnd());
  }
  // A console whose reader stopped reading (a pager left paused) must not keep
  // a stopped monitor alive: past a short wait the summary goes to stderr.
  if (
    !(await finishesWithin(view.close(), CONSOLE_CLOSE_WAIT_MS)) &&
    consoleStream !== platform.stderr
  ) {
    const note = `sockscope: the console (stdout) is not being read; its last lines are lost\n`;
    try {
      await finishesWithin(
        platform.stderr.write(encoder.encode(note + summary)),
        CONSOLE_CLOSE_WAIT_MS,
      );
    } catch { /* stderr is gone too */ }
  }
  // A write still blocked in the runtime's I/O threads would keep a normal exit
  // waiting (Node joins its threadpool): end as the signal's default action would.
  if (unfinished.size > 0) platform.dieOf(stopSignal);
  return code;
}

/**
 * Whether `work` finished within `ms`; a failure within that time is thrown
 * as `await work` would. Past it, the work is given up (and so is whatever it
 * reports later).
 */
async function finishesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

function n(x: number): string {
  return x.toLocaleString("en-US");
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}
