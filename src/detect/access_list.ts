/**
 * `--allow` / `--deny`: which sources may connect at all.
 *
 * @module
 */

import { CidrSet } from "../net/cidr.ts";

/**
 * Allow and deny lists of CIDR blocks. A source is refused when a deny
 * block holds it, or when there is an allow list and no allow block holds
 * it. A connection of unknown source (the runtime could not read it) passes
 * a deny list (nothing can match it) and fails an allow list (it cannot be
 * shown to be allowed).
 *
 * @example
 * ```ts
 * import { AccessList } from "@sockscope/sockscope";
 * const acl = new AccessList({ allow: "10.0.0.0/8", deny: "10.6.6.0/24" });
 * acl.refuses("10.1.1.1"); // false
 * acl.refuses("10.6.6.6"); // true
 * acl.refuses("192.0.2.1"); // true (not allowed)
 * ```
 */
export class AccessList {
  readonly #allow: CidrSet;
  readonly #deny: CidrSet;

  /**
   * Creates the lists from comma-separated CIDR blocks (or sets).
   *
   * @throws {TypeError} Naming the first entry that is not a CIDR block.
   */
  constructor(options: { readonly allow?: string | CidrSet; readonly deny?: string | CidrSet }) {
    const set = (v: string | CidrSet | undefined) =>
      typeof v === "string" ? CidrSet.parse(v) : v ?? new CidrSet([]);
    this.#allow = set(options.allow);
    this.#deny = set(options.deny);
  }

  /** True when neither list has a block (every source may connect). */
  get empty(): boolean {
    return this.#allow.size === 0 && this.#deny.size === 0;
  }

  /** Whether a connection from `src` (null: unknown) is refused. */
  refuses(src: string | null): boolean {
    if (src === null) return this.#allow.size > 0;
    if (this.#deny.size > 0 && this.#deny.has(src)) return true;
    return this.#allow.size > 0 && !this.#allow.has(src);
  }
}
