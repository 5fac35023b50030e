/**
 * A loaded set of Suricata rules and its matcher: a multi-pattern prefilter
 * per buffer finds the candidate rules in one pass over each buffer, and
 * only those (plus the few rules without any content) are evaluated fully.
 *
 * @module
 */

import { buildBuffer, normalizeUri } from "./buffers.ts";
import { compileSources } from "./compile_sources.ts";
import { textBytes } from "./content_bytes.ts";
import { inspect, InspectBuffer } from "./inspect.ts";
import { MultiPattern } from "./multi_pattern.ts";
import type { BufferSpec, CompiledRule } from "./rule_model.ts";
import { FlowState } from "./rule_types.ts";
import type {
  RuleInput,
  RuleLoadOptions,
  RuleLoadReport,
  RuleMatch,
  RuleSource,
} from "./rule_types.ts";
import { ThresholdTable } from "./threshold.ts";

/**
 * Options of a {@linkcode RuleSet} beyond loading.
 *
 * @example
 * ```ts
 * import type { RuleSetOptions } from "@sockscope/sockscope";
 * const options: RuleSetOptions = { maxThresholdKeys: 10_000 };
 * ```
 */
export interface RuleSetOptions extends RuleLoadOptions {
  /** Use the multi-pattern prefilter (default true; false evaluates every rule, for testing). */
  readonly prefilter?: boolean;
  /** Most (rule, address) counters kept for threshold/detection_filter (default 65,536; oldest evicted). */
  readonly maxThresholdKeys?: number;
}

/** Flowbits order, as Suricata sorts rules: setters first, so a bit set by one rule is seen by the next. */
function flowbitsRank(rule: CompiledRule): number {
  let reads = false;
  let writes = false;
  for (const op of rule.flowbits) {
    if (op.op === "isset" || op.op === "isnotset") reads = true;
    else writes = true;
  }
  return writes && !reads ? 0 : writes ? 1 : reads ? 2 : 3;
}

interface Automaton {
  readonly spec: BufferSpec;
  readonly mp: MultiPattern;
}

/**
 * Loaded rules, ready to match. Build it with `loadRules` (or `new RuleSet(sources)`).
 *
 * @example
 * ```ts
 * import { RuleSet } from "@sockscope/sockscope";
 * const rules = new RuleSet([{ name: "local.rules", text: 'alert tcp any any -> any any (msg:"hi"; content:"hello"; sid:1;)' }]);
 * const flow = rules.newFlowState();
 * const matches = rules.match({
 *   proto: "tcp", src: "192.0.2.1", sport: 5000, dst: "10.0.0.1", dport: 7,
 *   dir: "orig", payload: new TextEncoder().encode("hello"), nowMs: 0,
 * }, flow);
 * matches[0]?.msg; // "hi"
 * ```
 */
export class RuleSet {
  /** Number of rules loaded. */
  readonly size: number;
  /** What loading made of the sources. */
  readonly report: RuleLoadReport;
  /** Rules evaluated on every input because they have no content to prefilter on. */
  readonly unprefiltered: number;
  readonly #rules: readonly CompiledRule[];
  readonly #automata: readonly Automaton[];
  readonly #always: readonly number[];
  readonly #thresholds: ThresholdTable;
  readonly #seen: Uint32Array;
  #stamp = 0;

  /** Loads `sources`; rules that cannot be loaded are skipped and listed in `report`. */
  constructor(sources: readonly RuleSource[], options: RuleSetOptions = {}) {
    const { rules, report } = compileSources(sources, options.vars);
    const order = rules.map((r, i) => ({ r, i, rank: flowbitsRank(r) }));
    order.sort((a, b) => a.rank - b.rank || a.i - b.i);
    const sorted = order.map((o) => o.r);
    this.#rules = sorted;
    this.size = sorted.length;
    this.report = report;
    this.#thresholds = new ThresholdTable(options.maxThresholdKeys ?? 65_536);
    this.#seen = new Uint32Array(sorted.length);
    const always: number[] = [];
    const byKey = new Map<
      string,
      { spec: BufferSpec; patterns: { bytes: Uint8Array; id: number }[] }
    >();
    const prefilter = options.prefilter ?? true;
    sorted.forEach((rule, id) => {
      const p = rule.prefilter;
      if (!prefilter || p === undefined) {
        always.push(id);
        return;
      }
      let group = byKey.get(p.key);
      if (group === undefined) {
        group = { spec: rule.buffers.find((b) => b.key === p.key)!, patterns: [] };
        byKey.set(p.key, group);
      }
      group.patterns.push({ bytes: p.bytes, id });
    });
    this.#always = always;
    this.unprefiltered = sorted.filter((r) => r.prefilter === undefined).length;
    this.#automata = [...byKey.values()].map((g) => ({
      spec: g.spec,
      mp: new MultiPattern(g.patterns),
    }));
  }

  /** A fresh per-connection state (flowbits, directions seen). */
  newFlowState(): FlowState {
    return new FlowState();
  }

  /**
   * The rules whose every condition holds on `input` (and whose threshold
   * lets it alert), in evaluation order. Never throws on any payload.
   */
  match(input: RuleInput, flow: FlowState): RuleMatch[] {
    flow.seen |= input.dir === "orig" ? 1 : 2;
    const request = input.dir === "orig";
    const cache = new Map<string, InspectBuffer | null>();
    const get = (spec: BufferSpec): InspectBuffer | null => {
      let b = cache.get(spec.key);
      if (b === undefined) {
        const bytes = buildBuffer(spec.name, spec.transforms, input.payload, input.app, request);
        b = bytes === undefined ? null : new InspectBuffer(bytes);
        cache.set(spec.key, b);
      }
      return b;
    };
    let stamp = ++this.#stamp;
    if (stamp === 0xffffffff) {
      this.#seen.fill(0);
      this.#stamp = stamp = 1;
    }
    const seen = this.#seen;
    const candidates: number[] = [];
    const hit = (id: number): void => {
      if (seen[id] !== stamp) {
        seen[id] = stamp;
        candidates.push(id);
      }
    };
    for (const a of this.#automata) {
      const buf = get(a.spec);
      if (buf !== null) a.mp.scan(buf.bytes, hit);
    }
    for (const id of this.#always) hit(id);
    if (candidates.length === 0) return [];
    candidates.sort((a, b) => a - b);
    const out: RuleMatch[] = [];
    const orig = input.dir === "orig";
    const pktSrc = orig ? input.src : input.dst;
    const pktDst = orig ? input.dst : input.src;
    for (const id of candidates) {
      const rule = this.#rules[id];
      if (!this.#holds(rule, input, flow, get)) continue;
      for (const op of rule.flowbits) {
        if (op.op === "set") { for (const n of op.names) flow.flowbits.add(n); }
        else if (op.op === "unset") { for (const n of op.names) flow.flowbits.delete(n); }
        else if (op.op === "toggle") {
          for (const n of op.names) {
            if (flow.flowbits.has(n)) flow.flowbits.delete(n);
            else flow.flowbits.add(n);
          }
        }
      }
      if (rule.noalert) continue;
      const t = rule.threshold;
      if (t !== undefined && !this.#thresholds.allow(id, t, pktSrc, pktDst, input.nowMs)) continue;
      out.push(rule.match);
    }
    return out;
  }

  #holds(
    rule: CompiledRule,
    input: RuleInput,
    flow: FlowState,
    get: (spec: BufferSpec) => InspectBuffer | null,
  ): boolean {
    if (rule.transport !== "ip" && rule.transport !== input.proto) return false;
    if (rule.service !== undefined && input.app?.service !== rule.service) return false;
    if (rule.dir !== undefined && rule.dir !== input.dir) return false;
    if (rule.established !== undefined) {
      // Every TCP connection sockscope sees was accepted; UDP needs both directions.
      const established = input.proto === "tcp" || flow.seen === 3;
      if (established !== rule.established) return false;
    }
    const orig = input.dir === "orig";
    const sa = orig ? input.src : input.dst;
    const sp = orig ? input.sport : input.dport;
    const da = orig ? input.dst : input.src;
    const dp = orig ? input.dport : input.sport;
    const forward = rule.src.matches(sa) && rule.sport.matches(sp) && rule.dst.matches(da) &&
      rule.dport.matches(dp);
    if (
      !forward &&
      !(rule.bidirectional && rule.src.matches(da) && rule.sport.matches(dp) &&
        rule.dst.matches(sa) && rule.dport.matches(sp))
    ) return false;
    if (rule.dsize !== undefined && !rule.dsize.test(input.payload.length)) return false;
    if (rule.urilen !== undefined) {
      const http = input.app?.http;
      if (http === undefined || !orig) return false;
      const len = rule.urilen.raw ? textBytes(http.uri).length : normalizeUri(http.uri).length;
      if (!rule.urilen.cmp.test(len)) return false;
    }
    for (const op of rule.flowbits) {
      if (op.op === "isset" && !op.names.some((n) => flow.flowbits.has(n))) return false;
      if (op.op === "isnotset" && !op.names.some((n) => !flow.flowbits.has(n))) return false;
    }
    for (const spec of rule.buffers) {
      const buf = get(spec);
      if (buf === null || !inspect(spec.items, buf)) return false;
    }
    return true;
  }
}
