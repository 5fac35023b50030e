/**
 * The shapes of the Suricata rule engine's API: what goes in (rule files,
 * variables, one direction of a connection) and what comes out (the load
 * report, matches).
 *
 * @module
 */

import type { AppInfo } from "../app_info.ts";

/**
 * One rules file: its name (used in warnings) and its text.
 *
 * @example
 * ```ts
 * import type { RuleSource } from "@sockscope/sockscope";
 * const src: RuleSource = { name: "local.rules", text: 'alert tcp any any -> any any (msg:"x"; content:"x"; sid:1;)' };
 * ```
 */
export interface RuleSource {
  /** File name, as the warnings should name it. */
  readonly name: string;
  /** The file's contents. */
  readonly text: string;
}

/**
 * Options of {@linkcode loadRules}.
 *
 * @example
 * ```ts
 * import type { RuleLoadOptions } from "@sockscope/sockscope";
 * const options: RuleLoadOptions = { vars: { HOME_NET: "[127.0.0.1]" } };
 * ```
 */
export interface RuleLoadOptions {
  /**
   * Address and port variables (`HOME_NET`, `HTTP_PORTS`, ... without the
   * `$`), overriding Suricata's defaults (see `SURICATA_DEFAULT_VARS`).
   */
  readonly vars?: Readonly<Record<string, string>>;
}

/**
 * Why one rule was skipped.
 *
 * @example
 * ```ts
 * import type { RuleWarning } from "@sockscope/sockscope";
 * const line = (w: RuleWarning): string => `${w.file}:${w.line}: ${w.message}`;
 * ```
 */
export interface RuleWarning {
  /** The rules file. */
  readonly file: string;
  /** 1-based line the rule starts on. */
  readonly line: number;
  /** The keyword (or `proto:NAME`, `action:NAME`, `$VAR`) that made it skip; absent when the rule is malformed as a whole. */
  readonly keyword?: string;
  /** What was wrong, saying what was expected. */
  readonly message: string;
}

/**
 * What {@linkcode loadRules} made of the sources.
 *
 * @example
 * ```ts
 * import type { RuleLoadReport } from "@sockscope/sockscope";
 * const ok = (r: RuleLoadReport): boolean => r.skipped === 0;
 * ```
 */
export interface RuleLoadReport {
  /** Rules loaded. */
  readonly loaded: number;
  /** Rules skipped (each has a warning). */
  readonly skipped: number;
  /**
   * Skipped rules counted by the keyword that made them skip: `"flowbits": 12`,
   * `"proto:smtp": 57`, `"action:drop": 1`, `"(undefined variable)": 2`,
   * `"(malformed)": 3`, ...
   */
  readonly skippedByKeyword: Readonly<Record<string, number>>;
  /** One per skipped rule, in file order. */
  readonly warnings: readonly RuleWarning[];
  /** Commented-out rules (`# alert ...`): neither loaded nor counted as skipped. */
  readonly disabled: number;
  /** Loaded rules without any content: evaluated for every input instead of through the prefilter. */
  readonly unprefiltered: number;
}

/**
 * One direction of a connection (or one UDP datagram) to match rules on.
 * `src`/`sport` are always the flow's originator (the peer that connected)
 * and `dst`/`dport` its responder (the local side), whatever `dir` is: the
 * engine swaps them for `resp` bytes, so that a rule's `$HOME_NET any ->
 * $EXTERNAL_NET` reads as Suricata reads it.
 *
 * @example
 * ```ts
 * import type { RuleInput } from "@sockscope/sockscope";
 * const input: RuleInput = {
 *   proto: "tcp", src: "203.0.113.5", sport: 40000, dst: "10.0.0.1", dport: 80,
 *   dir: "orig", payload: new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"), nowMs: Date.now(),
 * };
 * ```
 */
export interface RuleInput {
  /** Transport. */
  readonly proto: "tcp" | "udp";
  /** The originator's address; `null` when unknown (then it matches only `any`). */
  readonly src: string | null;
  /** The originator's port; `null` when unknown. */
  readonly sport: number | null;
  /** The responder's (server's) address. */
  readonly dst: string;
  /** The responder's port. */
  readonly dport: number;
  /** `orig`: the client's bytes (`flow:to_server`); `resp`: the server's (`to_client`). */
  readonly dir: "orig" | "resp";
  /** That direction's captured window from stream offset 0 (UDP: the datagram). */
  readonly payload: Uint8Array;
  /** What the fingerprints read from the orig direction (undefined if nothing). */
  readonly app?: AppInfo;
  /** Current time (ms since the epoch), for `threshold` and `detection_filter`. */
  readonly nowMs: number;
}

/**
 * A rule that matched (and passed its threshold).
 *
 * @example
 * ```ts
 * import type { RuleMatch } from "@sockscope/sockscope";
 * const line = (m: RuleMatch): string => `[${m.gid}:${m.sid}:${m.rev}] ${m.msg} (${m.category})`;
 * ```
 */
export interface RuleMatch {
  /** Signature id. */
  readonly sid: number;
  /** Generator id (`gid` keyword, default 1). */
  readonly gid: number;
  /** Revision (`rev`, default 0). */
  readonly rev: number;
  /** The rule's `msg` ("" without one). */
  readonly msg: string;
  /** The `classtype`, if any. */
  readonly classtype?: string;
  /** The classtype's description (Suricata's classification.config), "" if none. */
  readonly category: string;
  /** `priority`, else the classtype's priority, else 3. */
  readonly severity: number;
  /** `metadata` key/value pairs as written. */
  readonly metadata?: Readonly<Record<string, readonly string[]>>;
  /** `target`: which side of the alert is the target. */
  readonly target?: "src_ip" | "dest_ip";
}

/**
 * Per-connection state of the rule engine: the flowbits set so far and the
 * directions seen (UDP `flow:established` needs both). The monitor keeps one
 * per connection (or UDP flow) from `RuleSet.newFlowState()`.
 *
 * @example
 * ```ts
 * import { FlowState } from "@sockscope/sockscope";
 * const state = new FlowState();
 * state.flowbits.has("ET.http.javaclient"); // false
 * ```
 */
export class FlowState {
  /** The flowbits currently set on this flow. */
  readonly flowbits: Set<string> = new Set();
  /** Directions seen so far: bit 1 orig, bit 2 resp. */
  seen = 0;
}
