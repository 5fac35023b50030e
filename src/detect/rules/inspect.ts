/**
 * Content inspection of one buffer, following Suricata's engine
 * (detect-engine-content-inspection.c): items in rule order, each relative
 * keyword measured from the end of the previous match, and the same
 * backtracking (a later occurrence of a content is tried only when the next
 * content's `within` depends on it; a later match of a `pcre` when any later
 * relative keyword does).
 *
 * @module
 */

import { byteJump, byteTest } from "./byte_ops.ts";
import { findBytes, latin1 } from "./content_bytes.ts";
import type { ContentItem, InspectItem, PcreItem } from "./rule_model.ts";

/** Suricata's default `detect.inspection-recursion-limit`. */
const RECURSION_LIMIT = 3000;

/** 1 match, 0 no match (an earlier item may try elsewhere), -1 no match anywhere. */
type Result = 1 | 0 | -1;

/**
 * The buffer being inspected, with its one-char-per-byte text made only when
 * a `pcre` needs it.
 *
 * @example
 * ```ts
 * import { InspectBuffer } from "./inspect.ts";
 * const b = new InspectBuffer(new TextEncoder().encode("abc"));
 * b.text; // "abc"
 * ```
 */
export class InspectBuffer {
  /** The bytes. */
  readonly bytes: Uint8Array;
  /** Steps left before inspection gives up (Suricata's recursion limit: hostile input cannot make it explode). */
  budget = 0;
  #text: string | undefined;
  /** Wraps `bytes`. */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  /** The bytes as a string, one character per byte. */
  get text(): string {
    return this.#text ??= latin1(this.bytes);
  }
}

function content(
  items: readonly InspectItem[],
  i: number,
  cd: ContentItem,
  buf: InspectBuffer,
  prev: number,
): Result {
  const hay = buf.bytes;
  const len = hay.length;
  const n = cd.bytes.length;
  const relative = cd.distance !== undefined || cd.within !== undefined;
  let retry = 0;
  for (;;) {
    let offset: number;
    let depth = len;
    if (relative) {
      offset = prev;
      const distance = cd.distance ?? 0;
      if (cd.distance !== undefined) {
        offset = distance < 0 && -distance > offset ? 0 : offset + distance;
      }
      if (cd.within !== undefined && depth > prev + cd.within + distance) {
        depth = prev + cd.within + distance;
      }
    } else {
      if (cd.depth !== 0) depth = cd.depth;
      offset = cd.offset;
    }
    if (retry !== 0) offset = retry;
    if (depth > len) depth = len;
    if (depth < 0) depth = 0;
    if (offset > depth || depth === 0) return cd.negated ? next(items, i, buf, prev) : 0;
    let found: number;
    if (cd.endswith) {
      // Only an occurrence ending at the buffer's end counts.
      const at = len - n;
      found = depth === len && at >= offset && findBytes(hay, at, len, cd.bytes, cd.nocase) === at
        ? at
        : -1;
    } else {
      found = n > depth - offset ? -1 : findBytes(hay, offset, depth, cd.bytes, cd.nocase);
    }
    if (found === -1) {
      if (!cd.negated) return relative ? 0 : -1;
      return next(items, i, buf, prev);
    }
    if (cd.negated) return relative ? 0 : -1;
    const end = found + n;
    if (i === items.length - 1) return 1;
    const r = inspectFrom(items, i + 1, buf, end);
    if (r !== 0) return r;
    if (!cd.withinNext || cd.endswith) return -1;
    retry = found + 1;
  }
}

function pcre(
  items: readonly InspectItem[],
  i: number,
  pd: PcreItem,
  buf: InspectBuffer,
  prev: number,
): Result {
  const base = pd.relative ? Math.min(prev, buf.bytes.length) : 0;
  const subject = base === 0 ? buf.text : buf.text.slice(base);
  const re = pd.regex;
  let from = 0;
  for (;;) {
    re.lastIndex = from;
    const m = re.exec(subject);
    if (pd.negated) return m === null ? next(items, i, buf, prev) : 0;
    if (m === null) return 0;
    const end = base + m.index + m[0].length;
    if (!pd.relativeNext) return next(items, i, buf, end);
    const r = inspectFrom(items, i + 1, buf, end);
    if (r !== 0) return r;
    from = m.index + 1;
    if (from > subject.length) return 0;
  }
}

function next(items: readonly InspectItem[], i: number, buf: InspectBuffer, prev: number): Result {
  return i === items.length - 1 ? 1 : inspectFrom(items, i + 1, buf, prev);
}

function inspectFrom(
  items: readonly InspectItem[],
  i: number,
  buf: InspectBuffer,
  prev: number,
): Result {
  if (--buf.budget < 0) return -1;
  const it = items[i];
  switch (it.kind) {
    case "content":
      return content(items, i, it, buf, prev);
    case "pcre":
      return pcre(items, i, it, buf, prev);
    case "isdataat": {
      const len = buf.bytes.length;
      const ok = it.relative ? prev + it.at <= len : it.at < len;
      if (ok === it.negated) return it.negated ? 0 : -1;
      return next(items, i, buf, prev);
    }
    case "bsize":
      return it.cmp.test(buf.bytes.length) ? next(items, i, buf, prev) : -1;
    case "byte_test":
      return byteTest(it, buf.bytes, prev) ? next(items, i, buf, prev) : 0;
    case "byte_jump": {
      const to = byteJump(it, buf.bytes, prev);
      return to === -1 ? 0 : next(items, i, buf, to);
    }
  }
}

/**
 * True when every item holds on `buf` (an empty list always holds).
 *
 * @example
 * ```ts
 * import { inspect, InspectBuffer } from "./inspect.ts";
 * inspect([], new InspectBuffer(new Uint8Array(0))); // true
 * ```
 */
export function inspect(items: readonly InspectItem[], buf: InspectBuffer): boolean {
  if (items.length === 0) return true;
  buf.budget = RECURSION_LIMIT;
  return inspectFrom(items, 0, buf, 0) === 1;
}
