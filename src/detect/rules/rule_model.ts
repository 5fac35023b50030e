/**
 * The compiled form of a rule: what the parser produces and the inspection
 * engine evaluates. Internal to the rule engine.
 *
 * @module
 */

import type { ServiceName } from "../app_info.ts";
import type { AddressGroup } from "./address_group.ts";
import type { ByteJumpItem, ByteTestItem } from "./byte_ops.ts";
import type { IntCompare } from "./int_compare.ts";
import type { PortGroup } from "./port_group.ts";
import type { RuleMatch } from "./rule_types.ts";

/**
 * A `content` with its modifiers. `depth` here is an end position
 * (offset + depth, as Suricata stores it).
 *
 * @example
 * ```ts
 * import type { ContentItem } from "./rule_model.ts";
 * const c: ContentItem = {
 *   kind: "content", bytes: new TextEncoder().encode("get"), nocase: true, negated: false,
 *   offset: 0, depth: 3, startswith: true, endswith: false, fastPattern: false, withinNext: false,
 * };
 * ```
 */
export interface ContentItem {
  /** Item kind. */
  readonly kind: "content";
  /** The bytes (lower-cased when `nocase`). */
  bytes: Uint8Array;
  /** ASCII case-insensitive. */
  nocase: boolean;
  /** `!"..."`: the content must not be there. */
  readonly negated: boolean;
  /** Absolute start (`offset`). */
  offset: number;
  /** Absolute end (offset + `depth`), 0 when unset. */
  depth: number;
  /** `distance`, when set. */
  distance?: number;
  /** `within`, when set. */
  within?: number;
  /** `startswith`. */
  startswith: boolean;
  /** `endswith`. */
  endswith: boolean;
  /** Marked `fast_pattern`. */
  fastPattern: boolean;
  /** A later content's `within` is relative to this one: retry later occurrences. */
  withinNext: boolean;
}

/**
 * A translated `pcre`.
 *
 * @example
 * ```ts
 * import type { PcreItem } from "./rule_model.ts";
 * const p: PcreItem = { kind: "pcre", regex: /a+/g, negated: false, relative: false, relativeNext: false };
 * ```
 */
export interface PcreItem {
  /** Item kind. */
  readonly kind: "pcre";
  /** The expression (`g` or `y` flag). */
  readonly regex: RegExp;
  /** `!`: must not match. */
  readonly negated: boolean;
  /** `R`: from the previous match's end. */
  readonly relative: boolean;
  /** A later relative keyword depends on this match: retry later matches. */
  relativeNext: boolean;
}

/**
 * `isdataat`.
 *
 * @example
 * ```ts
 * import type { IsdataatItem } from "./rule_model.ts";
 * const i: IsdataatItem = { kind: "isdataat", at: 10, relative: true, negated: false };
 * ```
 */
export interface IsdataatItem {
  /** Item kind. */
  readonly kind: "isdataat";
  /** The position. */
  readonly at: number;
  /** `relative`. */
  readonly relative: boolean;
  /** `!`. */
  readonly negated: boolean;
}

/**
 * `bsize`: the buffer's length.
 *
 * @example
 * ```ts
 * import type { BsizeItem } from "./rule_model.ts";
 * import { parseIntCompare } from "./int_compare.ts";
 * const b: BsizeItem = { kind: "bsize", cmp: parseIntCompare("bsize", "<10") };
 * ```
 */
export interface BsizeItem {
  /** Item kind. */
  readonly kind: "bsize";
  /** The comparison. */
  readonly cmp: IntCompare;
}

/**
 * Anything inspected inside one buffer, in rule order.
 *
 * @example
 * ```ts
 * import type { InspectItem } from "./rule_model.ts";
 * const kinds = (items: InspectItem[]): string[] => items.map((i) => i.kind);
 * ```
 */
export type InspectItem =
  | ContentItem
  | PcreItem
  | IsdataatItem
  | BsizeItem
  | ByteTestItem
  | ByteJumpItem;

/**
 * One buffer a rule inspects: its base name (`pkt` for the payload window,
 * `http.uri`, ...), the transforms applied, and the items.
 *
 * @example
 * ```ts
 * import type { BufferSpec } from "./rule_model.ts";
 * const b: BufferSpec = { key: "dns.query|dotprefix", name: "dns.query", transforms: ["dotprefix"], items: [] };
 * ```
 */
export interface BufferSpec {
  /** `name` plus transforms: one prefilter automaton per key. */
  readonly key: string;
  /** The buffer (canonical sticky-buffer name, or `pkt`). */
  readonly name: string;
  /** Transforms in order. */
  readonly transforms: readonly string[];
  /** What to inspect. */
  readonly items: InspectItem[];
}

/**
 * One `flowbits` operation.
 *
 * @example
 * ```ts
 * import type { FlowbitOp } from "./rule_model.ts";
 * const op: FlowbitOp = { op: "isset", names: ["a", "b"] };
 * ```
 */
export interface FlowbitOp {
  /** The command. */
  readonly op: "set" | "unset" | "toggle" | "isset" | "isnotset";
  /** Bit names (several joined by `|` for isset/isnotset: any of them). */
  readonly names: readonly string[];
}

/**
 * `threshold` or `detection_filter`.
 *
 * @example
 * ```ts
 * import type { ThresholdSpec } from "./rule_model.ts";
 * const t: ThresholdSpec = { type: "limit", track: "by_src", count: 1, seconds: 60 };
 * ```
 */
export interface ThresholdSpec {
  /** `limit`, `threshold`, `both`, or `detection` (detection_filter). */
  readonly type: "limit" | "threshold" | "both" | "detection";
  /** What the count is kept by. */
  readonly track: "by_src" | "by_dst" | "by_both" | "by_rule";
  /** The count. */
  readonly count: number;
  /** The window. */
  readonly seconds: number;
}

/**
 * A compiled rule.
 *
 * @example
 * ```ts
 * import type { CompiledRule } from "./rule_model.ts";
 * const sid = (r: CompiledRule): number => r.match.sid;
 * ```
 */
export interface CompiledRule {
  /** What an alert reports. */
  readonly match: RuleMatch;
  /** Transport the rule applies to (`ip`: both). */
  readonly transport: "tcp" | "udp" | "ip";
  /** Application protocol required of the flow, if any. */
  readonly service?: ServiceName;
  /** Header source addresses. */
  readonly src: AddressGroup;
  /** Header source ports. */
  readonly sport: PortGroup;
  /** Header destination addresses. */
  readonly dst: AddressGroup;
  /** Header destination ports. */
  readonly dport: PortGroup;
  /** `<>`: either way round. */
  readonly bidirectional: boolean;
  /** `flow` direction: orig, resp, or either. */
  readonly dir?: "orig" | "resp";
  /** `flow:established` (true) / `not_established` (false). */
  readonly established?: boolean;
  /** `dsize`. */
  readonly dsize?: IntCompare;
  /** `urilen` and whether on the raw URI. */
  readonly urilen?: { readonly cmp: IntCompare; readonly raw: boolean };
  /** Buffers to inspect. */
  readonly buffers: readonly BufferSpec[];
  /** `flowbits` operations. */
  readonly flowbits: readonly FlowbitOp[];
  /** `noalert` (or `flowbits:noalert`). */
  readonly noalert: boolean;
  /** `threshold` / `detection_filter`. */
  readonly threshold?: ThresholdSpec;
  /** The prefilter pattern: buffer key and bytes (lower-cased), if the rule has a content. */
  readonly prefilter?: { readonly key: string; readonly bytes: Uint8Array };
}
