/**
 * `sockscope listen`: wires the monitor to the console and the NDJSON log,
 * and handles signals and the summary.
 *
 * @module
 */

import { listen, type Monitor } from "../src/monitor/monitor.ts";
import { ConsoleWriter, type PrintMode } from "../src/output/console_writer.ts";
import { NdjsonWriter } from "../src/output/ndjson_writer.ts";
import { formatSummary } from "../src/output/summary.ts";
import type { ListenOptions } from "../src/monitor/options.ts";
import type { Sink } from "../src/output/sink.ts";
import type { Platform } from "../src/runtime/platform.ts";

const encoder = new TextEncoder();

/** Runs the monitor until a signal; resolves with the exit code. */
export async function runListen(
  platform: Platform,
  options: { listen: ListenOptions; print: PrintMode; log: string | undefined },
): Promise<number> {
  const toStdout = options.log === "-";
  const consoleStream = toStdout ? platform.stderr : platform.stdout;
  // no-color.org: NO_COLOR counts when present and not empty.
  const color = consoleStream.isTerminal && !platform.env("NO_COLOR");
  const fail = async (message: string) => {
    await platform.stderr.write(encoder.encode(`sockscope: ${message}\n`));
    return 1;
  };

  // Open the log first: a monitor that cannot record should not start.
  let logSink: Sink | undefined;
  if (options.log !== undefined) {
    try {
      logSink = toStdout ? platform.stdout : await platform.openAppend(options.log);
    } catch (err) {
      return fail(`cannot open --log file "${options.log}": ${(err as Error).message}`);
    }
  }

  let monitor: Monitor;
  try {
    monitor = await listen(options.listen);
  } catch (err) {
    await logSink?.close();
    return fail((err as Error).message);
  }

  const view = new ConsoleWriter(consoleStream, { print: options.print, color });
  monitor.subscribe(view.handle, { data: view.wantsData });
  const log = logSink
    ? new NdjsonWriter(logSink, {
      onError: (err) =>
        view.line(`sockscope: writing the log failed, events are being dropped: ${err.message}`),
    })
    : undefined;
  if (log) monitor.subscribe(log.handle);

  let signals = 0;
  const stopped = new Promise<void>((resolve) => {
    const on = (signal: "SIGINT" | "SIGTERM") => () => {
      if (++signals > 1) platform.dieOf(signal); // the operator insists: no more waiting
      resolve();
    };
    platform.onSignal("SIGINT", on("SIGINT"));
    platform.onSignal("SIGTERM", on("SIGTERM"));
  });
  await stopped;

  await monitor.close();
  await log?.close();
  const stats = monitor.stats();
  let summary = formatSummary(stats);
  if (log && log.dropped > 0) {
    summary += `  log: ${log.dropped} events dropped (the log could not keep up)\n`;
  }
  if (log) {
    summary += `  log: ${log.written} events written to ${
      options.log === "-" ? "stdout" : options.log
    }\n`;
  }
  view.line(summary.trimEnd());
  await view.close();
  return 0;
}
