/**
 * Multi-pattern prefilter: one Aho-Corasick automaton, compiled to a DFA
 * over an alphabet folded to lower case and compressed to the bytes the
 * patterns use, so one pass over a buffer finds every rule whose prefilter
 * pattern occurs in it whatever the number of patterns. Case folding makes
 * case-sensitive patterns over-match; the full evaluation that follows
 * decides.
 *
 * @module
 */

import { LOWER } from "./content_bytes.ts";

/**
 * Scans bytes for many patterns at once.
 *
 * @example
 * ```ts
 * import { MultiPattern } from "./multi_pattern.ts";
 * const enc = new TextEncoder();
 * const mp = new MultiPattern([
 *   { bytes: enc.encode("get"), id: 0 },
 *   { bytes: enc.encode("admin"), id: 1 },
 * ]);
 * const hits: number[] = [];
 * mp.scan(enc.encode("GET /Admin"), (id) => hits.push(id));
 * hits; // [0, 1]
 * ```
 */
export class MultiPattern {
  /** Byte -> alphabet class (0 for bytes no pattern uses). */
  readonly #cls = new Uint8Array(256);
  /** Transition table: state * classes + class -> state. */
  readonly #delta: Int32Array;
  readonly #classes: number;
  /** Pattern ids ending at each state (own and through failure links), or undefined. */
  readonly #out: (readonly number[] | undefined)[];
  /** Number of states. */
  readonly states: number;

  /** Builds the automaton; patterns are matched ASCII-case-insensitively. */
  constructor(patterns: readonly { readonly bytes: Uint8Array; readonly id: number }[]) {
    // Alphabet: every (lower-cased) byte the patterns use gets a class; with
    // upper-case letters mapped to the lower-case class.
    let classes = 1;
    const cls = this.#cls;
    for (const p of patterns) {
      for (const b of p.bytes) {
        const l = LOWER[b];
        if (cls[l] === 0) cls[l] = classes++;
      }
    }
    for (let b = 0x41; b <= 0x5a; b++) cls[b] = cls[b + 0x20];
    this.#classes = classes;
    // Trie.
    const goto: Map<number, number>[] = [new Map()];
    const out: number[][] = [[]];
    for (const p of patterns) {
      let s = 0;
      for (const b of p.bytes) {
        const c = cls[LOWER[b]];
        let t = goto[s].get(c);
        if (t === undefined) {
          t = goto.length;
          goto.push(new Map());
          out.push([]);
          goto[s].set(c, t);
        }
        s = t;
      }
      out[s].push(p.id);
    }
    const states = goto.length;
    this.states = states;
    // Breadth-first failure links, filling the DFA table as we go.
    const delta = new Int32Array(states * classes);
    const fail = new Int32Array(states);
    const queue: number[] = [];
    for (let c = 0; c < classes; c++) {
      const t = goto[0].get(c);
      if (t !== undefined) {
        delta[c] = t;
        fail[t] = 0;
        queue.push(t);
      }
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi];
      const f = fail[s];
      if (out[f].length > 0) out[s] = out[s].concat(out[f]);
      for (let c = 0; c < classes; c++) {
        const t = goto[s].get(c);
        if (t !== undefined) {
          fail[t] = delta[f * classes + c];
          delta[s * classes + c] = t;
          queue.push(t);
        } else {
          delta[s * classes + c] = delta[f * classes + c];
        }
      }
    }
    this.#delta = delta;
    this.#out = out.map((o) => (o.length > 0 ? o : undefined));
  }

  /** Calls `hit(id)` for every pattern occurrence in `bytes` (an id may repeat). */
  scan(bytes: Uint8Array, hit: (id: number) => void): void {
    const cls = this.#cls;
    const delta = this.#delta;
    const k = this.#classes;
    const out = this.#out;
    let s = 0;
    for (let i = 0; i < bytes.length; i++) {
      s = delta[s * k + cls[bytes[i]]];
      const o = out[s];
      if (o !== undefined) { for (let j = 0; j < o.length; j++) hit(o[j]); }
    }
  }
}
