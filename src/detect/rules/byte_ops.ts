/**
 * `byte_test` and `byte_jump`: read a number from the buffer (binary big or
 * little endian, or ASCII in hex/dec/oct) at a fixed or relative offset,
 * then compare it, or move the relative position by it. Semantics follow
 * Suricata's detect-bytetest.c and detect-bytejump.c.
 *
 * @module
 */

import { RuleSkip } from "./variables.ts";

/**
 * How to read the number.
 *
 * @example
 * ```ts
 * import type { ByteRead } from "./byte_ops.ts";
 * const r: ByteRead = { nbytes: 2, offset: 0, relative: false, little: false, base: 0 };
 * ```
 */
export interface ByteRead {
  /** Bytes to read. */
  readonly nbytes: number;
  /** Offset (from the buffer start, or from the previous match when `relative`). */
  readonly offset: number;
  /** `relative`. */
  readonly relative: boolean;
  /** `little` endian (binary reads). */
  readonly little: boolean;
  /** 0 for binary, else the base of an ASCII number (16, 10, 8). */
  readonly base: number;
  /** `bitmask`: applied, then shifted right by its trailing zeros. */
  readonly bitmask?: bigint;
}

/**
 * A `byte_test`.
 *
 * @example
 * ```ts
 * import { parseByteTest } from "./byte_ops.ts";
 * parseByteTest("2,>,512,0").op; // ">"
 * ```
 */
export interface ByteTestItem extends ByteRead {
  /** Item kind. */
  readonly kind: "byte_test";
  /** The comparison. */
  readonly op: "<" | ">" | "=" | "<=" | ">=" | "&" | "^";
  /** `!` before the operator. */
  readonly negated: boolean;
  /** The value compared with. */
  readonly value: bigint;
}

/**
 * A `byte_jump`.
 *
 * @example
 * ```ts
 * import { parseByteJump } from "./byte_ops.ts";
 * parseByteJump("1,0,relative,post_offset -4").postOffset; // -4
 * ```
 */
export interface ByteJumpItem extends ByteRead {
  /** Item kind. */
  readonly kind: "byte_jump";
  /** `multiplier`. */
  readonly multiplier: number;
  /** `align` to 4 bytes. */
  readonly align: boolean;
  /** `from_beginning` / `from_end`. */
  readonly from: "here" | "beginning" | "end";
  /** `post_offset`. */
  readonly postOffset: number;
}

function int(keyword: string, text: string | undefined, what: string): number {
  const t = (text ?? "").trim();
  if (!/^-?(?:0x[0-9a-f]+|\d+)$/i.test(t)) {
    throw new RuleSkip(
      keyword,
      `${keyword}: ${what} "${t}" is not a number${
        /^[A-Za-z_]/.test(t) ? " (byte_extract variables are not supported)" : ""
      }`,
    );
  }
  return t.startsWith("-") ? -Number(t.slice(1)) : Number(t);
}

/** Parses the shared trailing options; returns what it did not recognise. */
function readOptions(
  keyword: string,
  parts: string[],
): { read: Omit<ByteRead, "nbytes" | "offset">; rest: string[] } {
  let relative = false;
  let little = false;
  let base = 0;
  let bitmask: bigint | undefined;
  const rest: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === "relative") relative = true;
    else if (p === "little") little = true;
    else if (p === "big") little = false;
    else if (p === "string") base = 10;
    else if (p === "hex") base = 16;
    else if (p === "dec") base = 10;
    else if (p === "oct") base = 8;
    else if (p.startsWith("bitmask")) {
      const v = p.slice(7).trim();
      const n = int(keyword, v, "bitmask");
      if (n <= 0) throw new RuleSkip(keyword, `${keyword}: bitmask must be positive`);
      bitmask = BigInt(n);
    } else if (p === "dce") {
      throw new RuleSkip(keyword, `${keyword}: dce is not supported (no DCERPC parser)`);
    } else rest.push(p);
  }
  return { read: { relative, little, base, ...(bitmask !== undefined ? { bitmask } : {}) }, rest };
}

function checkNbytes(keyword: string, nbytes: number, base: number): void {
  // 0 with `string`: the number runs as far as its digits do (strtoull).
  const [min, max] = base === 0 ? [1, 8] : [0, 23];
  if (!(nbytes >= min && nbytes <= max)) {
    throw new RuleSkip(
      keyword,
      `${keyword}: ${nbytes} bytes: expected ${min}-${max}${
        base === 0 ? " for a binary value" : ""
      }`,
    );
  }
}

/**
 * Parses a `byte_test` value.
 *
 * @example
 * ```ts
 * import { parseByteTest } from "./byte_ops.ts";
 * parseByteTest("4,>,36,0,relative,little").little; // true
 * ```
 *
 * @throws {RuleSkip} When malformed or using what sockscope does not support.
 */
export function parseByteTest(value: string): ByteTestItem {
  const parts = value.split(",").map((s) => s.trim());
  if (parts.length < 4) {
    throw new RuleSkip(
      "byte_test",
      `byte_test "${value}": expected NBYTES, OP, VALUE, OFFSET[, options]`,
    );
  }
  const nbytes = int("byte_test", parts[0], "byte count");
  let opText = parts[1];
  let negated = false;
  if (opText.startsWith("!")) {
    negated = true;
    opText = opText.slice(1).trim();
  }
  if (opText === "") opText = "=";
  const ops = ["<", ">", "=", "<=", ">=", "&", "^"] as const;
  const op = ops.find((o) => o === opText);
  if (op === undefined) {
    throw new RuleSkip("byte_test", `byte_test operator "${parts[1]}": expected < > = <= >= & ^`);
  }
  const v = int("byte_test", parts[2], "value");
  if (v < 0) {
    throw new RuleSkip("byte_test", `byte_test value "${parts[2]}": expected an unsigned number`);
  }
  const offset = int("byte_test", parts[3], "offset");
  const { read, rest } = readOptions("byte_test", parts.slice(4));
  if (rest.length > 0) {
    throw new RuleSkip("byte_test", `byte_test option "${rest[0]}" is not supported`);
  }
  checkNbytes("byte_test", nbytes, read.base);
  return { kind: "byte_test", nbytes, offset, ...read, op, negated, value: BigInt(v) };
}

/**
 * Parses a `byte_jump` value.
 *
 * @example
 * ```ts
 * import { parseByteJump } from "./byte_ops.ts";
 * parseByteJump("4,12,relative,align").align; // true
 * ```
 *
 * @throws {RuleSkip} When malformed or using what sockscope does not support.
 */
export function parseByteJump(value: string): ByteJumpItem {
  const parts = value.split(",").map((s) => s.trim());
  if (parts.length < 2) {
    throw new RuleSkip("byte_jump", `byte_jump "${value}": expected NBYTES, OFFSET[, options]`);
  }
  const nbytes = int("byte_jump", parts[0], "byte count");
  const offset = int("byte_jump", parts[1], "offset");
  const { read, rest } = readOptions("byte_jump", parts.slice(2));
  let multiplier = 1;
  let align = false;
  let from: "here" | "beginning" | "end" = "here";
  let postOffset = 0;
  for (const p of rest) {
    if (p === "align") align = true;
    else if (p === "from_beginning") from = "beginning";
    else if (p === "from_end") from = "end";
    else if (p.startsWith("multiplier")) multiplier = int("byte_jump", p.slice(10), "multiplier");
    else if (p.startsWith("post_offset")) postOffset = int("byte_jump", p.slice(11), "post_offset");
    else throw new RuleSkip("byte_jump", `byte_jump option "${p}" is not supported`);
  }
  checkNbytes("byte_jump", nbytes, read.base);
  return { kind: "byte_jump", nbytes, offset, ...read, multiplier, align, from, postOffset };
}

const DIGITS = "0123456789abcdef";

/** Reads the number at `at`; undefined when out of bounds or not a number. */
function extract(r: ByteRead, bytes: Uint8Array, at: number): bigint | undefined {
  if (at < 0 || r.nbytes > bytes.length - at) return undefined;
  let v = 0n;
  if (r.base === 0) {
    for (let i = 0; i < r.nbytes; i++) {
      const b = BigInt(bytes[r.little ? at + r.nbytes - 1 - i : at + i]);
      v = (v << 8n) | b;
    }
  } else {
    let digits = 0;
    const end = r.nbytes === 0 ? bytes.length : at + r.nbytes;
    let i = at;
    // strtoull: leading white space, then digits of the base.
    while (i < end && (bytes[i] === 0x20 || (bytes[i] >= 0x09 && bytes[i] <= 0x0d))) i++;
    for (; i < end; i++) {
      const d = DIGITS.indexOf(String.fromCharCode(bytes[i] | 0x20));
      if (d === -1 || d >= r.base) break;
      v = v * BigInt(r.base) + BigInt(d);
      digits++;
    }
    if (digits === 0) return undefined;
  }
  if (r.bitmask !== undefined) {
    v &= r.bitmask;
    let m = r.bitmask;
    while ((m & 1n) === 0n) {
      v >>= 1n;
      m >>= 1n;
    }
  }
  return v;
}

/**
 * Evaluates a `byte_test` with the previous match ending at `prev`.
 *
 * @example
 * ```ts
 * import { byteTest, parseByteTest } from "./byte_ops.ts";
 * byteTest(parseByteTest("2,>,512,0"), new Uint8Array([0x02, 0x01]), 0); // true (513)
 * ```
 */
export function byteTest(t: ByteTestItem, bytes: Uint8Array, prev: number): boolean {
  if (bytes.length === 0) return false;
  const at = t.relative ? prev + t.offset : t.offset;
  if (t.relative && bytes.length - at <= 0) return false;
  const v = extract(t, bytes, at);
  if (v === undefined) return false;
  let ok: boolean;
  switch (t.op) {
    case "<":
      ok = v < t.value;
      break;
    case ">":
      ok = v > t.value;
      break;
    case "=":
      ok = v === t.value;
      break;
    case "<=":
      ok = v <= t.value;
      break;
    case ">=":
      ok = v >= t.value;
      break;
    case "&":
      ok = (v & t.value) !== 0n;
      break;
    case "^":
      ok = (v ^ t.value) !== 0n;
      break;
  }
  return ok !== t.negated;
}

/**
 * Evaluates a `byte_jump`: the new relative position, or -1 for no match.
 *
 * @example
 * ```ts
 * import { byteJump, parseByteJump } from "./byte_ops.ts";
 * byteJump(parseByteJump("1,0"), new Uint8Array([2, 0, 0, 0]), 0); // 3
 * ```
 */
export function byteJump(j: ByteJumpItem, bytes: Uint8Array, prev: number): number {
  if (bytes.length === 0) return -1;
  const at = j.relative ? prev + j.offset : j.offset;
  const v = extract(j, bytes, at);
  if (v === undefined) return -1;
  let jump = Number(v) * j.multiplier;
  if (j.align && jump % 4 !== 0) jump += 4 - (jump % 4);
  jump += j.postOffset;
  let to = j.from === "beginning"
    ? jump
    : j.from === "end"
    ? bytes.length + jump
    : at + j.nbytes + jump;
  if (to < 0) to = 0;
  return to > bytes.length ? -1 : to;
}
