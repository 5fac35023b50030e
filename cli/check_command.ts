/**
 * `sockscope check --rules FILE...`: loads the rules as `listen --rules`
 * would and reports, without listening. Exit 2 when any rule was skipped.
 *
 * @module
 */

import { formatRuleReport, formatRuleWarning, loadRules } from "../src/detect/rules/load_rules.ts";
import type { RuleSource } from "../src/detect/rules/rule_types.ts";
import type { Platform } from "../src/runtime/platform.ts";

const encoder = new TextEncoder();

/** Reads every rule file; a file that cannot be read is reported by name (exit 2). */
export async function readRuleFiles(
  platform: Platform,
  paths: readonly string[],
): Promise<RuleSource[] | string> {
  const sources: RuleSource[] = [];
  for (const path of paths) {
    try {
      sources.push({ name: path, text: await platform.readTextFile(path) });
    } catch (err) {
      return `--rules: cannot read "${path}": ${(err as Error).message}`;
    }
  }
  return sources;
}

/** Runs `check`; resolves with the exit code. */
export async function runCheck(
  platform: Platform,
  options: { readonly rules: readonly string[]; readonly vars: Readonly<Record<string, string>> },
): Promise<number> {
  const sources = await readRuleFiles(platform, options.rules);
  if (typeof sources === "string") {
    await platform.stderr.write(encoder.encode(`sockscope: ${sources}\n`));
    return 2;
  }
  const { report } = loadRules(sources, { vars: options.vars });
  let text = "";
  for (const w of report.warnings) text += `${formatRuleWarning(w)}\n`;
  if (text !== "") await platform.stderr.write(encoder.encode(text));
  await platform.stdout.write(encoder.encode(`${formatRuleReport(report)}\n`));
  return report.skipped > 0 ? 2 : 0;
}
