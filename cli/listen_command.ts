/**
 * `sockscope listen`: wires the monitor to the console and the NDJSON log,
 * and handles signals, a closed console, log outages and the summary.
 *
 * @module
 */

import { listen, type Monitor } from "../src/monitor/monitor.ts";
import { ConsoleWriter, type PrintMode } from "../src/output/console_writer.ts";
import { NdjsonWriter } from "../src/output/ndjson_writer.ts";
import { formatSummary } from "../src/output/summary.ts";
import { formatDuration } from "../src/format/duration.ts";
import { formatBytes } from "../src/format/size.ts";
import type { ListenOptions } from "../src/monitor/options.ts";
import type { Sink } from "../src/output/sink.ts";
import type { Platform } from "../src/runtime/platform.ts";
import { describeError } from "./describe_error.ts";

const encoder = new TextEncoder();
/** Bytes of events the log may hold while it cannot write (see NdjsonWriter). */
const LOG_BUFFER_BYTES = 16 * 1024 * 1024;
/** Causes that mean the reader went away (`| head`): the run ends as on SIGTERM, with status 0. */
const READER_GONE = new Set(["epipe", "econnreset"]);

/** Runs the monitor until a signal (or a closed console); resolves with the exit code. */
export async function runListen(
  platform: Platform,
  options: { listen: ListenOptions; print: PrintMode; log: string | undefined },
): Promise<number> {
  const toStdout = options.log === "-";
  const logName = toStdout ? "stdout" : options.log;
  const consoleStream = toStdout ? platform.stderr : platform.stdout;
  // no-color.org: NO_COLOR counts when present and not empty.
  const color = consoleStream.isTerminal && !platform.env("NO_COLOR");
  const fail = async (message: string) => {
    try {
      await platform.stderr.write(encoder.encode(`sockscope: ${message}\n`));
    } catch { /* nowhere left to say it; the exit status does */ }
    return 1;
  };

  // SIGHUP's default action ends the process; from here on it never does (it reopens the log).
  let onHangup = (): void => {};
  try {
    platform.onSignal("SIGHUP", () => onHangup());
  } catch { /* no SIGHUP on this system (Deno on Windows): nothing to rotate by signal */ }

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

  // The first of: SIGINT/SIGTERM, a closed console, a log gone for good. Resolves with the exit code.
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
    color,
    onFatal: (error, cause) => {
      consoleGone = error;
      // `sockscope | head`: nobody reads any more; finish as SIGTERM would.
      if (READER_GONE.has(cause)) stop(0);
    },
  });
  monitor.subscribe(view.handle, { data: view.wantsData });

  const log = logSink
    ? new NdjsonWriter(logSink, {
      maxPendingBytes: LOG_BUFFER_BYTES,
      onOutage: (error) =>
        view.line(
          `sockscope: writing ${logName} failed (${
            describeError(error)
          }): retrying; events wait in memory (up to ${
            formatBytes(LOG_BUFFER_BYTES)
          }) and are dropped past that while it fails`,
        ),
      onResume: (end) =>
        view.line(
          `sockscope: writing ${logName} resumed after ${formatDuration(end.durationMs)}; ${
            end.dropped === 0 ? "no events" : count(end.dropped, "event")
          } dropped (${end.cause})`,
        ),
      onFatal: (error, cause) => {
        const gone = READER_GONE.has(cause);
        view.line(
          `sockscope: writing ${logName} failed for good (${describeError(error)}): ${
            gone ? "its reader is gone; " : ""
          }stopping`,
        );
        stop(gone ? 0 : 1);
      },
    })
    : undefined;
  if (log) monitor.subscribe(log.handle);

  onHangup = () => {
    if (stopping) return; // the log is being closed; nothing to rotate into
    if (!log || toStdout) {
      view.line("sockscope: SIGHUP: no log file to reopen");
      return;
    }
    log.reopen().then(
      (reopened) => {
        if (reopened) view.line(`sockscope: reopened ${logName} (SIGHUP)`);
      },
      (err) =>
        view.line(
          `sockscope: reopening ${logName} failed (${
            describeError(err)
          }): still writing to the old file`,
        ),
    );
  };

  const onSignal = (signal: "SIGINT" | "SIGTERM") => () => {
    if (stopping) platform.dieOf(signal); // the operator insists: no more waiting
    stop(0);
  };
  platform.onSignal("SIGINT", onSignal("SIGINT"));
  platform.onSignal("SIGTERM", onSignal("SIGTERM"));
  const code = await stopped;

  await monitor.close();
  await log?.close();
  let summary = formatSummary(monitor.stats());
  if (log && log.dropped > 0) {
    const causes = Object.entries(log.droppedByCause).filter(([, n]) => n > 0)
      .sort(([, a], [, b]) => b - a);
    summary += `  log: ${count(log.dropped, "event")} dropped: ${
      causes.map(([cause, n]) => `${cause} ${n.toLocaleString("en-US")}`).join(", ")
    }\n`;
  }
  if (log) {
    summary += `  log: ${count(log.written, "event")} written to ${logName}\n`;
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
  await view.close();
  return code;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}
