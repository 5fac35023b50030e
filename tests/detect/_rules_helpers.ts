// Shared by the rules_*_test.ts suites: a one-file rule loader and a matcher
// over one direction with sensible defaults (a client on the internet talking
// to a server in the default HOME_NET).
import assert from "node:assert/strict";
import type { AppInfo } from "../../src/detect/app_info.ts";
import { loadRules, type RuleInput, type RuleSet } from "../../src/detect/rules/load_rules.ts";
import type { FlowState } from "../../src/detect/rules/rule_types.ts";

/** Loads `text` as one file and asserts nothing was skipped. */
export function load(text: string, vars?: Record<string, string>, prefilter = true): RuleSet {
  const { ruleSet, report } = loadRules([{ name: "t.rules", text }], { vars, prefilter });
  assert.equal(report.skipped, 0, JSON.stringify(report.warnings));
  return ruleSet;
}

/** One byte per character. */
export function bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Input overrides for {@link sids}. */
export type Extra = Partial<Omit<RuleInput, "payload">> & { flow?: FlowState; app?: AppInfo };

/** The sids that match `payload`, sorted. */
export function sids(rs: RuleSet, payload: string | Uint8Array, extra: Extra = {}): number[] {
  const { flow = rs.newFlowState(), ...rest } = extra;
  const input: RuleInput = {
    proto: "tcp",
    src: "203.0.113.9",
    sport: 40000,
    dst: "10.0.0.5",
    dport: 80,
    dir: "orig",
    payload: typeof payload === "string" ? bytes(payload) : payload,
    nowMs: 0,
    ...rest,
  };
  return rs.match(input, flow).map((m) => m.sid).sort((a, b) => a - b);
}

/** A hand-made HTTP AppInfo, as the fingerprint parser would report `head`. */
export function httpApp(head: string): AppInfo {
  const end = head.indexOf("\r\n\r\n");
  const lines = head.slice(0, end === -1 ? head.length : end).split("\r\n");
  const [method, uri, version] = lines[0].split(" ");
  const headers = lines.slice(1).filter((l) => l !== "").map((l): [string, string] => {
    const c = l.indexOf(":");
    return [l.slice(0, c), l.slice(c + 1).trim()];
  });
  const get = (n: string) => headers.find(([k]) => k.toLowerCase() === n)?.[1];
  const host = get("host");
  const ua = get("user-agent");
  return {
    service: "http",
    http: {
      method,
      uri,
      version,
      request_line: lines[0],
      ...(host !== undefined ? { host } : {}),
      ...(ua !== undefined ? { user_agent: ua } : {}),
      headers,
      ...(end !== -1 ? { body_offset: end + 4 } : {}),
      truncated: end === -1,
    },
  };
}
