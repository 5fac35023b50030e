/**
 * Reads rules files as Suricata does: one rule per line (a trailing `\`
 * continues it), `#` comments, commented-out rules counted as disabled;
 * every rule that cannot be loaded is skipped with a warning naming the
 * file, the line and the keyword, and the rest load.
 *
 * @module
 */

import { compileRule, MALFORMED } from "./rule_parser.ts";
import type { CompiledRule } from "./rule_model.ts";
import type { RuleLoadReport, RuleSource, RuleWarning } from "./rule_types.ts";
import { RuleSkip, SURICATA_DEFAULT_VARS } from "./variables.ts";

/** Report key of a rule whose gid:sid an earlier rule already has. */
export const DUPLICATE_SID = "(duplicate sid)";

const DISABLED = /^#+\s*(?:alert|drop|reject|rejectsrc|rejectdst|rejectboth|pass)\s.*\(.*\bsid\s*:/;

/**
 * Compiles every rule of `sources`.
 *
 * @example
 * ```ts
 * import { compileSources } from "./compile_sources.ts";
 * const { rules, report } = compileSources([{ name: "a.rules", text: "alert tcp any any -> any any (sid:1;)" }], {});
 * rules.length; // 1
 * report.loaded; // 1
 * ```
 */
export function compileSources(
  sources: readonly RuleSource[],
  vars: Readonly<Record<string, string>> | undefined,
): { rules: CompiledRule[]; report: RuleLoadReport } {
  const allVars = { ...SURICATA_DEFAULT_VARS, ...vars };
  const rules: CompiledRule[] = [];
  const warnings: RuleWarning[] = [];
  const byKeyword: Record<string, number> = {};
  const sids = new Set<string>();
  const groups = new Map();
  let disabled = 0;
  for (const source of sources) {
    const lines = source.text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const first = lines[i].trim();
      if (first === "") continue;
      if (first.startsWith("#")) {
        if (DISABLED.test(first)) disabled++;
        continue;
      }
      const line = i + 1;
      let text = first;
      while (text.endsWith("\\") && i + 1 < lines.length) {
        text = text.slice(0, -1) + lines[++i].trim();
      }
      try {
        const rule = compileRule(text, allVars, groups);
        const id = `${rule.match.gid}:${rule.match.sid}`;
        if (sids.has(id)) {
          throw new RuleSkip(
            DUPLICATE_SID,
            `duplicate sid ${rule.match.sid} (gid ${rule.match.gid}): the first rule with it is kept`,
          );
        }
        sids.add(id);
        rules.push(rule);
      } catch (e) {
        const skip = e instanceof RuleSkip
          ? e
          : new RuleSkip(MALFORMED, String((e as Error)?.message ?? e));
        byKeyword[skip.keyword] = (byKeyword[skip.keyword] ?? 0) + 1;
        warnings.push({
          file: source.name,
          line,
          ...(skip.keyword !== MALFORMED ? { keyword: skip.keyword } : {}),
          message: skip.message,
        });
      }
    }
  }
  const report: RuleLoadReport = {
    loaded: rules.length,
    skipped: warnings.length,
    skippedByKeyword: byKeyword,
    warnings,
    disabled,
    unprefiltered: rules.filter((r) => r.prefilter === undefined).length,
  };
  return { rules, report };
}
