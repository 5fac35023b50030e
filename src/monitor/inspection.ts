/**
 * Payload inspection of one connection: gathers each direction's capture
 * window, asks the fingerprints what it is, and runs the payload rules on
 * it at most twice per direction (early: when the originator's bytes are
 * recognised, or at the responder's first chunk; and at the end of the
 * window or the direction). Runs on the
 * data path, so it is bounded: at most the capture window is held per
 * direction, and each direction is parsed O(log window) times (every time
 * its held bytes double, and once at the end), not once per chunk.
 *
 * @module
 */

import type { AppInfo } from "../detect/app_info.ts";
import type { Direction } from "./events.ts";

/** Parses a direction's first bytes (see `src/detect/fingerprint/fingerprint.ts`). */
export type FingerprintFn = (
  payload: Uint8Array,
  proto: "tcp" | "udp",
  final: boolean,
) => AppInfo | "more" | undefined;

/** What a checkpoint found, for the monitor to turn into events. */
export interface InspectionSink {
  /** The originator's bytes were recognised (called at most once). */
  recognised(app: AppInfo): void;
  /** Runs the rules on `payload` of `dir`; `app` is what the originator's bytes were. */
  checkpoint(dir: Direction, payload: Uint8Array, app: AppInfo | undefined): void;
  /** A parser or rule threw: inspection of this connection stops, the connection goes on. */
  failed(error: unknown): void;
}

/** The initial room for a direction's bytes; it doubles up to the capture window. */
const FIRST_ROOM = 512;

/** One direction's held bytes. */
class Held {
  buf: Uint8Array | undefined;
  len = 0;
  /** Length at which to parse / check again. */
  next = 1;
  /** Length at the last rules checkpoint. */
  checked = 0;
  done = false;

  append(chunk: Uint8Array, offset: number, cap: number): void {
    if (offset !== this.len) return; // a gap (should not happen): keep what is contiguous
    const take = Math.min(chunk.byteLength, cap - this.len);
    if (take <= 0) return;
    const need = this.len + take;
    if (this.buf === undefined || this.buf.byteLength < need) {
      const room = Math.min(cap, Math.max(need, FIRST_ROOM, (this.buf?.byteLength ?? 0) * 2));
      const bigger = new Uint8Array(room);
      if (this.buf !== undefined) bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    this.buf.set(take === chunk.byteLength ? chunk : chunk.subarray(0, take), this.len);
    this.len = need;
  }

  view(): Uint8Array {
    return this.buf === undefined ? new Uint8Array(0) : this.buf.subarray(0, this.len);
  }

  release(): void {
    this.buf = undefined;
    this.done = true;
  }
}

/**
 * The inspection state of one connection.
 *
 * @example
 * ```ts
 * import { Inspection } from "./inspection.ts";
 * const seen: string[] = [];
 * const inspection = new Inspection(4096, false, (p) => ({ service: p[0] === 0x16 ? "tls" : "text" }), {
 *   recognised: (app) => seen.push(app.service),
 *   checkpoint: () => {},
 *   failed: () => {},
 * });
 * inspection.data("orig", 0, new TextEncoder().encode("hello"));
 * console.log(seen); // ["text"]
 * ```
 */
export class Inspection {
  readonly #cap: number;
  readonly #rules: boolean;
  readonly #fingerprint: FingerprintFn;
  readonly #sink: InspectionSink;
  /** Made on first use: the first chunk alone usually decides, and then nothing is held. */
  #origHeld: Held | undefined;
  #respHeld: Held | undefined;
  #app: AppInfo | undefined;
  #recognised = false;
  /** Nothing is inspected (capture window 0, recognised without rules, or a parser failed). */
  #off: boolean;
  /** The responder's bytes are not inspected (no rules). */
  #respOff: boolean;

  /**
   * `cap` is the capture window per direction; `rules` whether any payload
   * rule is loaded (without them, bytes are only held until recognised).
   */
  constructor(cap: number, rules: boolean, fingerprint: FingerprintFn, sink: InspectionSink) {
    this.#cap = cap;
    this.#rules = rules;
    this.#fingerprint = fingerprint;
    this.#sink = sink;
    this.#off = cap === 0;
    this.#respOff = cap === 0 || !rules;
  }

  #held(dir: Direction): Held | undefined {
    if (dir === "orig") {
      if (this.#off) return undefined;
      return this.#origHeld ??= new Held();
    }
    if (this.#respOff) return undefined;
    return this.#respHeld ??= new Held();
  }

  /** What the originator's bytes were recognised as, once they were. */
  get app(): AppInfo | undefined {
    return this.#app;
  }

  /** True when nothing more will be inspected (the owner may drop it, keeping `app`). */
  get finished(): boolean {
    return this.#off && this.#respOff;
  }

  /** Bytes of `dir` at stream `offset` arrived (the chunk is only read during the call). */
  data(dir: Direction, offset: number, chunk: Uint8Array): void {
    const alone = offset === 0 && !this.#rules && dir === "orig" && this.#origHeld === undefined;
    if (alone && !this.#off && this.#decideAlone(chunk)) {
      this.#off = true; // recognised: without rules there is nothing more to do
      return;
    }
    const held = this.#held(dir);
    if (held === undefined || held.done) return;
    held.append(chunk, offset, this.#cap);
    if (alone) held.next = held.len * 2; // those bytes were just parsed
    if (held.len < held.next && held.len < this.#cap) return;
    held.next = held.len * 2;
    this.#step(dir, held, held.len >= this.#cap);
  }

  /**
   * Without rules, the first chunk alone usually decides (a request line, a
   * ClientHello record, a banner): then nothing is copied at all.
   */
  #decideAlone(chunk: Uint8Array): boolean {
    try {
      const view = chunk.byteLength > this.#cap ? chunk.subarray(0, this.#cap) : chunk;
      return this.#recognise(view, view.byteLength >= this.#cap);
    } catch (err) {
      this.#stop();
      this.#sink.failed(err);
    }
    return true;
  }

  /** Asks the fingerprints; true once they decided (then `app` holds what the bytes were). */
  #recognise(bytes: Uint8Array, final: boolean): boolean {
    const r = bytes.byteLength === 0 ? undefined : this.#fingerprint(bytes, "tcp", final);
    if (r === "more") return false;
    this.#recognised = true;
    this.#app = r;
    if (r !== undefined) this.#sink.recognised(r);
    return true;
  }

  /** `dir` ended (FIN, close): last checkpoint with whatever it sent. */
  end(dir: Direction): void {
    const held = dir === "orig" ? this.#origHeld : this.#respHeld;
    if (held !== undefined && !held.done) this.#step(dir, held, true);
  }

  #step(dir: Direction, held: Held, final: boolean): void {
    try {
      this.#checkpoint(dir, held, final);
    } catch (err) {
      // Hostile bytes must not cost the connection or its record.
      this.#stop();
      this.#sink.failed(err);
    }
  }

  #stop(): void {
    this.#off = this.#respOff = true;
    this.#origHeld?.release();
    this.#respHeld?.release();
  }

  #checkpoint(dir: Direction, held: Held, final: boolean): void {
    let decided = false;
    if (dir === "orig" && !this.#recognised) {
      decided = this.#recognise(held.view(), final);
      if (!decided && !final) return;
    }
    // Rules run early, then once more at the end if more came: at most twice
    // per direction. Early is when the originator's bytes were recognised (a
    // complete request: alert now, not when the client gives up waiting), and
    // the responder's first chunk (its banner or status line).
    const early = decided || (dir === "resp" && held.checked === 0);
    if (this.#rules && (early || final) && held.len > held.checked) {
      held.checked = held.len;
      this.#sink.checkpoint(dir, held.view(), this.#app);
    }
    if (!this.#rules && this.#recognised) {
      this.#stop(); // nothing more to do: the owner may drop this inspection
    } else if (final) {
      held.release();
    }
  }
}
