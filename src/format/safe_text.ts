/**
 * Showing hostile remote bytes on a terminal: escapes everything that could
 * move the cursor, change colours, retitle the window, reorder text (bidi
 * controls) or hide characters, while keeping readable text readable.
 *
 * @module
 */

const BACKSLASH = 0x5c;
/** Lowercase hex digit char codes. */
const HEX_LOWER: Uint8Array = /* @__PURE__ */ new TextEncoder().encode("0123456789abcdef");
const HEX_UPPER: Uint8Array = /* @__PURE__ */ new TextEncoder().encode("0123456789ABCDEF");

/**
 * Code points that must not reach a terminal as themselves: controls (Cc),
 * format characters (Cf: bidi embeddings/overrides/isolates, zero-width
 * characters, U+FEFF, ...), line/paragraph separators (Zl, Zp), surrogates
 * (Cs), private use (Co) and unassigned code points including noncharacters
 * (Cn). ZWNJ and ZWJ (U+200C, U+200D) are kept: scripts and emoji need them
 * and they cannot reorder or hide text.
 */
const UNSAFE = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]$/u;

/** Verdict cache for planes 0-1: 0 unknown, 1 shown as is, 2 escaped. */
const VERDICT = new Uint8Array(0x20000);

function isShown(cp: number): boolean {
  if (cp < 0xa0) return false; // C1 controls (only called for cp >= 0x80)
  if (cp < 0x20000) {
    const v = VERDICT[cp];
    if (v !== 0) return v === 1;
  }
  const shown = cp === 0x200c || cp === 0x200d || !UNSAFE.test(String.fromCodePoint(cp));
  if (cp < 0x20000) VERDICT[cp] = shown ? 1 : 2;
  return shown;
}

/** Flush the output buffer into a string once it holds this many bytes. */
const CAPACITY = 16384;
/**
 * Output as UTF-8: ASCII escapes and copies of well-formed input sequences.
 * At most 10 bytes are written per step past CAPACITY.
 */
const BUF = new Uint8Array(CAPACITY + 16);
/** Decodes BUF; it only ever holds well-formed UTF-8 without a BOM. */
const DECODER = new TextDecoder("utf-8", { ignoreBOM: true });

function decoded(length: number): string {
  return length === 0 ? "" : DECODER.decode(BUF.subarray(0, length));
}

/** Escapes `data`; with `lines`, pushes each line ending in `\n` onto it. */
function escapeInto(data: Uint8Array, lines: string[] | null): string {
  const buf = BUF;
  const n = data.length;
  let text = "";
  let o = 0;
  let i = 0;
  while (i < n) {
    if (o >= CAPACITY) {
      text += decoded(o);
      o = 0;
    }
    const b = data[i];
    if (b < 0x80) {
      i++;
      if (b >= 0x20 && b < 0x7f && b !== BACKSLASH) {
        buf[o++] = b;
        continue;
      }
      buf[o++] = BACKSLASH;
      if (b === 0x0a) {
        buf[o++] = 0x6e; // n
        if (lines !== null) {
          lines.push(text + decoded(o));
          text = "";
          o = 0;
        }
      } else if (b === BACKSLASH) {
        buf[o++] = BACKSLASH;
      } else if (b === 0x09) {
        buf[o++] = 0x74; // t
      } else if (b === 0x0d) {
        buf[o++] = 0x72; // r
      } else {
        buf[o] = 0x78; // x
        buf[o + 1] = HEX_LOWER[b >> 4];
        buf[o + 2] = HEX_LOWER[b & 15];
        o += 3;
      }
      continue;
    }

    // A multi-byte UTF-8 sequence; cp stays -1 if malformed or truncated.
    let cp = -1;
    let size = 1;
    if (b >= 0xc2 && b <= 0xdf) {
      if (i + 1 < n) {
        const b1 = data[i + 1];
        if ((b1 & 0xc0) === 0x80) {
          cp = ((b & 0x1f) << 6) | (b1 & 0x3f);
          size = 2;
        }
      }
    } else if (b >= 0xe0 && b <= 0xef) {
      if (i + 2 < n) {
        const b1 = data[i + 1];
        const b2 = data[i + 2];
        if ((b1 & 0xc0) === 0x80 && (b2 & 0xc0) === 0x80 && (b !== 0xe0 || b1 >= 0xa0)) {
          // ED A0-BF (surrogates) decodes here and is escaped as \u{D8xx} below.
          cp = ((b & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
          size = 3;
        }
      }
    } else if (b >= 0xf0 && b <= 0xf4) {
      if (i + 3 < n) {
        const b1 = data[i + 1];
        const b2 = data[i + 2];
        const b3 = data[i + 3];
        if (
          (b1 & 0xc0) === 0x80 && (b2 & 0xc0) === 0x80 && (b3 & 0xc0) === 0x80 &&
          (b !== 0xf0 || b1 >= 0x90) && (b !== 0xf4 || b1 < 0x90)
        ) {
          cp = ((b & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
          size = 4;
        }
      }
    }
    if (cp === -1) {
      buf[o] = BACKSLASH;
      buf[o + 1] = 0x78; // x
      buf[o + 2] = HEX_LOWER[b >> 4];
      buf[o + 3] = HEX_LOWER[b & 15];
      o += 4;
    } else if (isShown(cp)) {
      // Well-formed and not a surrogate: copy the original bytes.
      for (let k = 0; k < size; k++) buf[o + k] = data[i + k];
      o += size;
    } else {
      // \u{XXXX}: at least four uppercase hex digits.
      buf[o] = BACKSLASH;
      buf[o + 1] = 0x75; // u
      buf[o + 2] = 0x7b; // {
      o += 3;
      for (let shift = cp > 0xfffff ? 20 : cp > 0xffff ? 16 : 12; shift >= 0; shift -= 4) {
        buf[o++] = HEX_UPPER[(cp >> shift) & 15];
      }
      buf[o++] = 0x7d; // }
    }
    i += size;
  }
  if (lines !== null) {
    if (o > 0 || text.length > 0) lines.push(text + decoded(o));
    return "";
  }
  return text + decoded(o);
}

/**
 * Escapes bytes received from a peer so that printing them cannot control the
 * terminal. Printable ASCII is kept, except `\` which becomes `\\`; tab, CR
 * and LF become `\t`, `\r`, `\n`; other C0 controls and DEL become `\xNN`.
 * Well-formed UTF-8 for a printable character is kept as that character;
 * C1 controls, bidi controls, line/paragraph separators, U+FEFF and other
 * invisible format characters, surrogates, private-use, unassigned code
 * points and noncharacters become `\u{XXXX}`. Malformed or truncated UTF-8
 * (a chunk may end mid-character) shows each byte as `\xNN`.
 *
 * The result never contains a C0 or C1 control, DEL or bidi control.
 *
 * @example
 * ```ts
 * import { escapeText } from "./safe_text.ts";
 *
 * escapeText(new TextEncoder().encode("\x1b[2Jhé\u202e\n")); // "\\x1b[2Jhé\\u{202E}\\n"
 * escapeText(new Uint8Array([0x41, 0xe2, 0x82])); // "A\\xe2\\x82" (cut-off "€")
 * ```
 *
 * @param data The raw bytes.
 * @returns The escaped text, safe to write to a terminal.
 */
export function escapeText(data: Uint8Array): string {
  return escapeInto(data, null);
}

/**
 * Escapes bytes like {@linkcode escapeText} and splits the result into display
 * lines after each line feed; the escaped `\n` stays at the end of its line.
 * No empty line is returned after a final line feed.
 *
 * @example
 * ```ts
 * import { escapeTextLines } from "./safe_text.ts";
 *
 * escapeTextLines(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n"));
 * // ["GET / HTTP/1.1\\r\\n", "Host: x\\r\\n"]
 * ```
 *
 * @param data The raw bytes.
 * @returns The escaped lines; `[]` for no data.
 */
export function escapeTextLines(data: Uint8Array): string[] {
  const lines: string[] = [];
  escapeInto(data, lines);
  return lines;
}
