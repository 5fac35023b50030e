/**
 * Translates Suricata `pcre` values (`"/regex/flags"`, PCRE2 syntax) into
 * JavaScript regular expressions that give the same answers on bytes: the
 * subject is the buffer decoded one character per byte, and every construct
 * whose meaning differs between PCRE and JavaScript is rewritten (`.` does
 * not match only `\n`, `$` also before a final newline, `\s` has no NBSP,
 * `\h`, `\v`, `\R`, `\A`, `\z`, `\Z`, `\Q...\E`, POSIX classes, `(?P<n>`,
 * the `m` and `x` flags). What JavaScript cannot express (possessive
 * quantifiers, atomic groups, recursion, `\K`, `\G`, ungreedy mode, ...)
 * throws, so the rule is skipped and reported instead of matching wrongly.
 *
 * @module
 */

import { RuleSkip } from "./variables.ts";

/** Suricata's buffer modifiers of `pcre` and the buffer each selects. */
const BUFFER_FLAGS: Readonly<Record<string, string>> = {
  U: "http.uri",
  I: "http.uri.raw",
  P: "http.request_body",
  H: "http.header",
  D: "http.header.raw",
  M: "http.method",
  C: "http.cookie",
  K: "http.cookie.raw",
  V: "http.user_agent",
  W: "http.host",
  Z: "http.host.raw",
};

/** Modifiers naming response buffers sockscope does not have. */
const RESPONSE_FLAGS: Readonly<Record<string, string>> = {
  S: "http.stat_code",
  Y: "http.stat_msg",
  Q: "file.data",
};

/**
 * A translated `pcre`.
 *
 * @example
 * ```ts
 * import { translatePcre } from "./pcre_translate.ts";
 * const p = translatePcre('"/^GET\\s+\\/admin/i"');
 * p.regex.test("get  /admin"); // true
 * ```
 */
export interface TranslatedPcre {
  /** The expression (`g`, or `y` when anchored with `A`; plus `i`). */
  readonly regex: RegExp;
  /** `!` before the value: the rule needs no match. */
  readonly negated: boolean;
  /** `R`: searched from the end of the previous match. */
  readonly relative: boolean;
  /** The buffer a modifier selected (`U` -> `http.uri`), if any. */
  readonly buffer?: string;
}

const WS_CLASS = "\\t\\n\\x0b\\f\\r ";
const VWS_CLASS = "\\n\\x0b\\f\\r\\x85";
const HWS_CLASS = "\\t \\xa0";
const POSIX: Readonly<Record<string, string>> = {
  alpha: "A-Za-z",
  digit: "0-9",
  alnum: "A-Za-z0-9",
  upper: "A-Z",
  lower: "a-z",
  xdigit: "0-9A-Fa-f",
  space: WS_CLASS,
  blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~",
  print: "\\x20-\\x7e",
  graph: "\\x21-\\x7e",
  cntrl: "\\x00-\\x1f\\x7f",
  word: "\\w",
  ascii: "\\x00-\\x7f",
};

function hex2(n: number): string {
  return "\\x" + n.toString(16).padStart(2, "0");
}

function unsupported(what: string): never {
  throw new RuleSkip("pcre", `pcre: ${what} has no JavaScript equivalent`);
}

/** Reads `\x..` at `s[i]` (just after the `x`); returns [escape, next index]. */
function hexEscape(s: string, i: number): [string, number] {
  if (s[i] === "{") {
    const close = s.indexOf("}", i);
    if (close === -1) unsupported("an unterminated \\x{...}");
    const v = parseInt(s.slice(i + 1, close), 16);
    if (!(v >= 0 && v <= 0xff)) unsupported(`\\x{${s.slice(i + 1, close)}} (above one byte)`);
    return [hex2(v), close + 1];
  }
  let j = i;
  while (j < i + 2 && /[0-9a-fA-F]/.test(s[j] ?? "")) j++;
  return [hex2(j === i ? 0 : parseInt(s.slice(i, j), 16)), j];
}

/** Reads an octal escape starting at the digit `s[i]`. */
function octalEscape(s: string, i: number): [string, number] {
  let j = i;
  while (j < i + 3 && /[0-7]/.test(s[j] ?? "")) j++;
  return [hex2(parseInt(s.slice(i, j), 8) & 0xff), j];
}

function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|\/-]/g, "\\$&");
}

interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
  x: boolean;
  dollarEnd: boolean;
}

function translateClass(src: string, start: number): [string, number] {
  // src[start] === "["
  let i = start + 1;
  let out = "[";
  if (src[i] === "^") {
    out += "^";
    i++;
  }
  if (src[i] === "]") {
    out += "\\]";
    i++;
  }
  while (i < src.length && src[i] !== "]") {
    const c = src[i];
    if (c === "[" && src[i + 1] === ":") {
      const close = src.indexOf(":]", i + 2);
      if (close === -1) {
        out += "\\[";
        i++;
        continue;
      }
      const name = src.slice(i + 2, close);
      if (name.startsWith("^") || !(name in POSIX)) unsupported(`the POSIX class [:${name}:]`);
      out += POSIX[name];
      i = close + 2;
      continue;
    }
    if (c === "[") {
      out += "\\[";
      i++;
      continue;
    }
    if (c === "\\") {
      const e = src[i + 1];
      if (e === undefined) unsupported("a trailing backslash");
      i += 2;
      if (e === "x") {
        const [esc, next] = hexEscape(src, i);
        out += esc;
        i = next;
      } else if (/[0-7]/.test(e)) {
        const [esc, next] = octalEscape(src, i - 1);
        out += esc;
        i = next;
      } else if (e === "d" || e === "D" || e === "w" || e === "W") out += "\\" + e;
      else if (e === "s") out += WS_CLASS;
      else if (e === "h") out += HWS_CLASS;
      else if (e === "v") out += VWS_CLASS;
      else if (e === "b") out += "\\x08";
      else if (e === "n" || e === "r" || e === "t" || e === "f") out += "\\" + e;
      else if (e === "e") out += "\\x1b";
      else if (e === "a") out += "\\x07";
      else if (/[A-Za-z]/.test(e)) unsupported(`\\${e} inside a character class`);
      else out += "\\" + e;
      continue;
    }
    out += c;
    i++;
  }
  if (i >= src.length) unsupported("an unterminated character class");
  return [out + "]", i + 1];
}

function translateBody(src: string, flags: Flags): string {
  let out = "";
  let i = 0;
  // Quantifiers are checked for a possessive `+` right after them.
  const afterQuantifier = (j: number): number => {
    if (src[j] === "+") unsupported("a possessive quantifier");
    if (src[j] === "?") {
      out += "?";
      return j + 1;
    }
    return j;
  };
  while (i < src.length) {
    const c = src[i];
    if (flags.x) {
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v") {
        i++;
        continue;
      }
      if (c === "#") {
        while (i < src.length && src[i] !== "\n") i++;
        continue;
      }
    }
    switch (c) {
      case "\\": {
        const e = src[i + 1];
        if (e === undefined) unsupported("a trailing backslash");
        i += 2;
        if (e === "x") {
          const [esc, next] = hexEscape(src, i);
          out += esc;
          i = next;
        } else if (e === "0") {
          const [esc, next] = octalEscape(src, i - 1);
          out += esc;
          i = next;
        } else if (/[1-9]/.test(e)) out += "\\" + e;
        else if ("dDwWbBnrtf".includes(e)) out += "\\" + e;
        else if (e === "s") out += `[${WS_CLASS}]`;
        else if (e === "S") out += `[^${WS_CLASS}]`;
        else if (e === "h") out += `[${HWS_CLASS}]`;
        else if (e === "H") out += `[^${HWS_CLASS}]`;
        else if (e === "v") out += `[${VWS_CLASS}]`;
        else if (e === "V") out += `[^${VWS_CLASS}]`;
        else if (e === "R") out += `(?:\\r\\n|[${VWS_CLASS}])`;
        else if (e === "N") out += "[^\\n]";
        else if (e === "e") out += "\\x1b";
        else if (e === "a") out += "\\x07";
        else if (e === "c") {
          const ctl = src[i];
          if (ctl === undefined || !/[A-Za-z]/.test(ctl)) unsupported(`\\c${ctl ?? ""}`);
          out += hex2(ctl.toUpperCase().charCodeAt(0) ^ 0x40);
          i++;
        } else if (e === "A") out += "(?<![\\s\\S])";
        else if (e === "z") out += "(?![\\s\\S])";
        else if (e === "Z") out += "(?=\\n?(?![\\s\\S]))";
        else if (e === "Q") {
          const end = src.indexOf("\\E", i);
          const lit = end === -1 ? src.slice(i) : src.slice(i, end);
          out += `(?:${escapeLiteral(lit)})`;
          i = end === -1 ? src.length : end + 2;
        } else if (e === "E") { /* a lone \E does nothing */ }
        else if (/[A-Za-z]/.test(e)) unsupported(`\\${e}`);
        else out += "\\" + e;
        break;
      }
      case ".":
        out += flags.s ? "[\\s\\S]" : "[^\\n]";
        i++;
        break;
      case "^":
        out += flags.m ? "(?:(?<![\\s\\S])|(?<=\\n))" : "^";
        i++;
        break;
      case "$":
        out += flags.m
          ? "(?=\\n|(?![\\s\\S]))"
          : flags.dollarEnd
          ? "(?![\\s\\S])"
          : "(?=\\n?(?![\\s\\S]))";
        i++;
        break;
      case "[": {
        const [cls, next] = translateClass(src, i);
        out += cls;
        i = next;
        break;
      }
      case "(": {
        if (src[i + 1] === "*") unsupported("a (*VERB)");
        if (src[i + 1] !== "?") {
          out += "(";
          i++;
          break;
        }
        const rest = src.slice(i + 2);
        if (rest.startsWith("#")) {
          const close = src.indexOf(")", i);
          if (close === -1) unsupported("an unterminated (?#comment");
          i = close + 1;
        } else if (/^(?::|=|!|<=|<!)/.test(rest)) {
          const len = rest.startsWith("<") ? 4 : 3;
          out += src.slice(i, i + len);
          i += len;
        } else if (/^(?:P?<[A-Za-z_]\w*>)/.test(rest)) {
          const m = /^P?<([A-Za-z_]\w*)>/.exec(rest)!;
          out += `(?<${m[1]}>`;
          i += 2 + m[0].length;
        } else if (/^P=[A-Za-z_]\w*\)/.test(rest)) {
          const m = /^P=([A-Za-z_]\w*)\)/.exec(rest)!;
          out += `\\k<${m[1]}>`;
          i += 2 + m[0].length;
        } else if (/^[imsx-]+\)/.test(rest) && out === "") {
          const m = /^([imsx]*)(?:-([imsx]*))?\)/.exec(rest);
          if (!m || m[2]) unsupported("an inline option that turns a flag off");
          if (m[1].includes("i")) flags.i = true;
          if (m[1].includes("s")) flags.s = true;
          if (m[1].includes("m")) flags.m = true;
          if (m[1].includes("x")) flags.x = true;
          i += 2 + m[0].length;
        } else unsupported(`the group "(?${rest.slice(0, 2)}"`);
        break;
      }
      case "*":
      case "+":
      case "?":
        out += c;
        i = afterQuantifier(i + 1);
        break;
      case "{": {
        const m = /^\{(\d*)(,?)(\d*)\}/.exec(src.slice(i));
        if (m && m[1] === "" && m[2] === ",") {
          unsupported("a {,n} quantifier (its meaning depends on the PCRE2 version)");
        }
        if (m && m[1] !== "") {
          out += m[0];
          i = afterQuantifier(i + m[0].length);
        } else {
          out += "\\{";
          i++;
        }
        break;
      }
      case "}":
        out += "\\}";
        i++;
        break;
      case "/":
        out += "\\/";
        i++;
        break;
      default:
        out += c;
        i++;
    }
  }
  return out;
}

/**
 * Translates a `pcre` option value.
 *
 * @example
 * ```ts
 * import { translatePcre } from "./pcre_translate.ts";
 * const p = translatePcre('"/user=[a-z]+$/Ri"');
 * p.relative; // true
 * ```
 *
 * @throws {RuleSkip} (keyword `pcre`) when the value is malformed or uses what JavaScript cannot do.
 */
export function translatePcre(value: string): TranslatedPcre {
  let s = value.trim();
  let negated = false;
  if (s.startsWith("!")) {
    negated = true;
    s = s.slice(1).trim();
  }
  if (s.length < 2 || !s.startsWith('"') || !s.endsWith('"')) {
    throw new RuleSkip("pcre", `pcre value ${value} is not quoted: expected "/regex/flags"`);
  }
  s = s.slice(1, -1);
  const last = s.lastIndexOf("/");
  if (!s.startsWith("/") || last <= 0) {
    throw new RuleSkip("pcre", `pcre value ${value}: expected "/regex/flags"`);
  }
  const body = s.slice(1, last);
  const mods = s.slice(last + 1);
  const flags: Flags = { i: false, s: false, m: false, x: false, dollarEnd: false };
  let relative = false;
  let anchored = false;
  let buffer: string | undefined;
  for (const f of mods) {
    if (f === "i") flags.i = true;
    else if (f === "s") flags.s = true;
    else if (f === "m") flags.m = true;
    else if (f === "x") flags.x = true;
    else if (f === "E") flags.dollarEnd = true;
    else if (f === "A") anchored = true;
    else if (f === "R") relative = true;
    else if (f === "B" || f === "O") { /* rawbytes, match-limit override: no effect here */ }
    else if (f === "G") unsupported("the G (ungreedy) flag");
    else if (f in BUFFER_FLAGS) {
      if (buffer !== undefined) {
        throw new RuleSkip(
          "pcre",
          `pcre ${value}: more than one buffer flag: expected at most one`,
        );
      }
      buffer = BUFFER_FLAGS[f];
    } else if (f in RESPONSE_FLAGS) {
      throw new RuleSkip(
        RESPONSE_FLAGS[f],
        `pcre flag ${f} selects ${RESPONSE_FLAGS[f]}, a response buffer sockscope does not parse`,
      );
    } else {throw new RuleSkip(
        "pcre",
        `pcre ${value}: unknown flag "${f}": expected i s m x A E R B O or a buffer flag`,
      );}
  }
  const source = translateBody(body, flags);
  let regex: RegExp;
  try {
    regex = new RegExp(source, (anchored ? "y" : "g") + (flags.i ? "i" : ""));
  } catch (e) {
    throw new RuleSkip(
      "pcre",
      `pcre ${value} does not compile in JavaScript: ${(e as Error).message}`,
    );
  }
  return buffer === undefined ? { regex, negated, relative } : { regex, negated, relative, buffer };
}
