/**
 * Suricata rules for sockscope: load rules files (ET Open and the like),
 * report what was skipped and why, and match the loaded rules on the
 * captured bytes of each direction of each connection.
 *
 * @example
 * ```ts
 * import { formatRuleReport, loadRules } from "@sockscope/sockscope";
 * const { ruleSet, report } = loadRules([
 *   { name: "local.rules", text: 'alert http any any -> any any (msg:"admin"; http.uri; content:"/admin"; sid:1;)' },
 * ], { vars: { HOME_NET: "[127.0.0.1]" } });
 * console.log(formatRuleReport(report)); // "rules: 1 loaded, 0 skipped"
 * ruleSet.size; // 1
 * ```
 *
 * @module
 */

import { RuleSet, type RuleSetOptions } from "./rule_set.ts";
import type { RuleLoadReport, RuleSource, RuleWarning } from "./rule_types.ts";

export { RuleSet, type RuleSetOptions } from "./rule_set.ts";
export {
  FlowState,
  type RuleInput,
  type RuleLoadOptions,
  type RuleLoadReport,
  type RuleMatch,
  type RuleSource,
  type RuleWarning,
} from "./rule_types.ts";
export { SURICATA_DEFAULT_VARS } from "./variables.ts";

/**
 * Loads rules from `sources`. A rule that uses a keyword sockscope does not
 * support, an undefined variable, or that is malformed, is skipped with a
 * warning; the rest load.
 *
 * @example
 * ```ts
 * import { loadRules } from "@sockscope/sockscope";
 * const { report } = loadRules([{ name: "x.rules", text: "alert tcp any any -> any any (flowint:a,=,1; sid:1;)" }]);
 * report.skippedByKeyword; // { flowint: 1 }
 * ```
 */
export function loadRules(
  sources: readonly RuleSource[],
  options?: RuleSetOptions,
): { ruleSet: RuleSet; report: RuleLoadReport } {
  const ruleSet = new RuleSet(sources, options);
  return { ruleSet, report: ruleSet.report };
}

function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * The console summary of a load:
 * `rules: 1,812 loaded, 582 skipped (flowbits 310, byte_test 120, ...), 710 disabled`.
 * Skip reasons are listed by count, most first.
 *
 * @example
 * ```ts
 * import { formatRuleReport } from "@sockscope/sockscope";
 * formatRuleReport({ loaded: 2, skipped: 1, skippedByKeyword: { byte_test: 1 }, warnings: [], disabled: 0, unprefiltered: 0 });
 * // "rules: 2 loaded, 1 skipped (byte_test 1)"
 * ```
 */
export function formatRuleReport(report: RuleLoadReport): string {
  let line = `rules: ${thousands(report.loaded)} loaded, ${thousands(report.skipped)} skipped`;
  const reasons = Object.entries(report.skippedByKeyword).sort((a, b) =>
    b[1] - a[1] || (a[0] < b[0] ? -1 : 1)
  );
  if (reasons.length > 0) {
    line += ` (${reasons.map(([k, n]) => `${k} ${thousands(n)}`).join(", ")})`;
  }
  if (report.disabled > 0) line += `, ${thousands(report.disabled)} disabled`;
  return line;
}

/**
 * One warning as a console line: `FILE:LINE: KEYWORD: MESSAGE`.
 *
 * @example
 * ```ts
 * import { formatRuleWarning } from "@sockscope/sockscope";
 * formatRuleWarning({ file: "a.rules", line: 3, keyword: "flowint", message: 'keyword "flowint" is not supported by sockscope' });
 * // 'a.rules:3: flowint: keyword "flowint" is not supported by sockscope'
 * ```
 */
export function formatRuleWarning(w: RuleWarning): string {
  return `${w.file}:${w.line}: ${w.keyword === undefined ? "" : `${w.keyword}: `}${w.message}`;
}
