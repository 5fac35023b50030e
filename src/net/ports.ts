/**
 * Port list specifications as given on the command line (`--port 8000,9000-9010`).
 *
 * @module
 */

/** The most ports a single specification may select. */
const MAX_PORTS = 1024;

const SPACE = 0x20;
const TAB = 0x09;

/** Parses a decimal port token; -1 if it is not all digits, -2 if too long. */
function parseDigits(token: string): number {
  const n = token.length;
  if (n === 0) return -1;
  if (n > 7) {
    for (let i = 0; i < n; i++) {
      const d = token.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) return -1;
    }
    return -2;
  }
  let value = 0;
  for (let i = 0; i < n; i++) {
    const d = token.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

function trimSpaces(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end) {
    const c = text.charCodeAt(start);
    if (c !== SPACE && c !== TAB) break;
    start++;
  }
  while (end > start) {
    const c = text.charCodeAt(end - 1);
    if (c !== SPACE && c !== TAB) break;
    end--;
  }
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** Parses one port of a list; 0 is rejected here (it is only valid alone). */
function parsePort(token: string, flag: string, context: string): number {
  const value = parseDigits(token);
  if (value === -1) {
    throw new TypeError(
      `${flag}: invalid port "${token}"${context}: expected a number 1-65535 or a range like 9000-9010`,
    );
  }
  if (value < 1 || value > 65535) {
    throw new RangeError(`${flag}: invalid port "${token}"${context}: expected 1-65535`);
  }
  return value;
}

/**
 * Parses a port specification: a single port (`8000`), a comma-separated list
 * (`8000, 8022`), inclusive ranges (`9000-9010`) or a mixture of these, with
 * spaces allowed around commas and dashes. Port `0` ("any free port") is
 * accepted only on its own and then returns `[0]`. At most 1024 distinct
 * ports may be selected.
 *
 * @example
 * ```ts
 * import { parsePortSpec } from "./ports.ts";
 *
 * parsePortSpec("8022, 8000,9000-9002"); // [8000, 8022, 9000, 9001, 9002]
 * parsePortSpec("0"); // [0]
 * parsePortSpec("70000"); // throws RangeError: --port: invalid port "70000": expected 1-65535
 * ```
 *
 * @param spec The specification text.
 * @param flag The option name used in error messages.
 * @returns The selected ports, sorted ascending and without duplicates.
 * @throws {TypeError} If the specification is empty or malformed.
 * @throws {RangeError} If a port is out of range, a range is reversed, 0 is
 * combined with other ports, or more than 1024 ports are selected.
 */
export function parsePortSpec(spec: string, flag = "--port"): number[] {
  const whole = trimSpaces(spec);
  if (whole.length === 0) throw new TypeError(`${flag}: empty port list`);
  const single = parseDigits(whole);
  if (single === 0) return [0];
  if (single > 0 && single <= 65535) return [single];

  const seen = new Uint8Array(65536);
  const ports: number[] = [];
  let from = 0;
  while (from <= whole.length) {
    let comma = whole.indexOf(",", from);
    if (comma === -1) comma = whole.length;
    const item = trimSpaces(whole.slice(from, comma));
    from = comma + 1;
    if (item.length === 0) {
      throw new TypeError(
        `${flag}: empty entry in port list "${spec}": expected ports separated by commas`,
      );
    }
    if (parseDigits(item) === 0) {
      throw new RangeError(`${flag}: port 0 (any free port) must be given alone, not in a list`);
    }
    const dash = item.indexOf("-");
    let lo: number;
    let hi: number;
    if (dash === -1) {
      lo = hi = parsePort(item, flag, "");
    } else {
      const context = ` in range "${item}"`;
      lo = parsePort(trimSpaces(item.slice(0, dash)), flag, context);
      hi = parsePort(trimSpaces(item.slice(dash + 1)), flag, context);
      if (lo > hi) {
        throw new RangeError(`${flag}: invalid range "${item}": start must not exceed end`);
      }
    }
    for (let p = lo; p <= hi; p++) {
      if (seen[p] === 0) {
        seen[p] = 1;
        if (ports.length === MAX_PORTS) {
          throw new RangeError(
            `${flag}: too many ports in "${spec}": at most ${MAX_PORTS} ports may be given`,
          );
        }
        ports.push(p);
      }
    }
  }
  return ports.sort((a, b) => a - b);
}
