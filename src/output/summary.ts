/**
 * The end-of-run summary the CLI prints on shutdown.
 *
 * @module
 */

import type { MonitorStats } from "../monitor/stats.ts";
import { formatBytes } from "../format/size.ts";
import { formatDuration } from "../format/duration.ts";

/**
 * Renders a monitor's stats as a few lines of text.
 *
 * @example
 * ```ts
 * import { formatSummary, listen } from "@sockscope/sockscope";
 * const monitor = await listen({ ports: [0] });
 * await monitor.close();
 * console.log(formatSummary(monitor.stats()));
 * ```
 */
export function formatSummary(stats: MonitorStats): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const count = (x: number, noun: string) => `${n(x)} ${noun}${x === 1 ? "" : "s"}`;
  const lines = [
    `summary: ${count(stats.connsTotal, "connection")} (${n(stats.connsDropped)} dropped), ${
      formatBytes(stats.bytesIn)
    } in, ${formatBytes(stats.bytesOut)} out, ${count(stats.datagrams, "datagram")} (${
      formatBytes(stats.datagramBytes)
    }), up ${formatDuration(stats.uptime * 1000)}`,
  ];
  const reasons = Object.entries(stats.closeReasons).filter(([, c]) => c > 0);
  if (reasons.length > 0) {
    lines.push(`  closed:      ${reasons.map(([r, c]) => `${r} ${n(c)}`).join(", ")}`);
  }
  if (stats.topSources.length > 0) {
    lines.push(
      `  top sources: ${
        stats.topSources.slice(0, 5).map((s) => `${s.address} (${n(s.count)})`).join(", ")
      }`,
    );
  }
  if (stats.topPorts.length > 0) {
    lines.push(
      `  top ports:   ${
        stats.topPorts.slice(0, 5).map((p) => `${p.proto}/${p.port} (${n(p.count)})`).join(", ")
      }`,
    );
  }
  if (stats.connsPeerUnknown > 0) {
    lines.push(
      `  unknown source: ${
        count(stats.connsPeerUnknown, "connection")
      } reset before the runtime could read the peer's address`,
    );
  }
  if (stats.alerts > 0 || stats.bansTotal > 0 || stats.connsRefused > 0) {
    const parts = [`${count(stats.alerts, "alert")}`];
    if (stats.alertsSuppressed > 0) parts.push(`${n(stats.alertsSuppressed)} suppressed`);
    if (stats.bansTotal > 0) parts.push(`${count(stats.bansTotal, "ban")}`);
    if (stats.connsRefused > 0) parts.push(`${n(stats.connsRefused)} refused on accept`);
    lines.push(`  detection:   ${parts.join(", ")}`);
  }
  const warnings = Object.entries(stats.warnings).filter(([, c]) => c > 0);
  if (warnings.length > 0) {
    lines.push(`  absorbed:    ${warnings.map(([k, c]) => `${k} ${n(c)}`).join(", ")}`);
  }
  if (stats.eventsDropped > 0) {
    lines.push(`  events dropped by slow consumers: ${n(stats.eventsDropped)}`);
  }
  return lines.join("\n") + "\n";
}
