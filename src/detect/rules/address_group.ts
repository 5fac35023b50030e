/**
 * Rule header address groups: `any`, addresses and CIDR blocks (IPv4 and
 * IPv6), `$VARIABLES`, negation `!`, and nested groups `[a,[b,!c]]`. A
 * group matches an address in any of its positive members (every address
 * when it has none) and in none of its negated members, as in Suricata.
 *
 * @module
 */

import { CidrSet, parseCidr } from "../../net/cidr.ts";
import { lookupVar, RuleSkip, splitGroup } from "./variables.ts";

/**
 * A compiled address group.
 *
 * @example
 * ```ts
 * import { parseAddressGroup } from "./address_group.ts";
 * const g = parseAddressGroup("[10.0.0.0/8,!10.1.1.1]", {});
 * g.matches("10.2.3.4"); // true
 * g.matches("10.1.1.1"); // false
 * ```
 */
export interface AddressGroup {
  /** True for `any` (the only group an unknown address matches). */
  readonly any: boolean;
  /** True when `address` is in the group; an unknown (`null`) address matches only `any`. */
  matches(address: string | null): boolean;
}

type Node =
  | { readonly kind: "any" }
  | { readonly kind: "set"; readonly set: CidrSet }
  | { readonly kind: "group"; readonly pos: readonly Node[]; readonly neg: readonly Node[] };

function test(node: Node, address: string): boolean {
  switch (node.kind) {
    case "any":
      return true;
    case "set":
      return node.set.has(address);
    case "group":
      if (node.pos.length > 0 && !node.pos.some((n) => test(n, address))) return false;
      return !node.neg.some((n) => test(n, address));
  }
}

function parseNode(
  text: string,
  vars: Readonly<Record<string, string>>,
  stack: readonly string[],
): { node: Node; negated: boolean } {
  let s = text.trim();
  let negated = false;
  while (s.startsWith("!")) {
    negated = !negated;
    s = s.slice(1).trim();
  }
  if (s === "") throw new RuleSkip("(malformed)", `empty address in "${text}"`);
  if (s.startsWith("$")) {
    const name = s.slice(1);
    const inner = parseNode(lookupVar(vars, s, stack), vars, [...stack, name]);
    return { node: inner.node, negated: negated !== inner.negated };
  }
  if (s === "any") {
    if (negated) {
      throw new RuleSkip("(malformed)", `"!any" matches nothing: expected an address group`);
    }
    return { node: { kind: "any" }, negated };
  }
  if (s.startsWith("[")) {
    if (!s.endsWith("]")) {
      throw new RuleSkip("(malformed)", `unbalanced brackets in address group "${text}"`);
    }
    const pos: Node[] = [];
    const neg: Node[] = [];
    for (const part of splitGroup(s.slice(1, -1))) {
      const { node, negated: n } = parseNode(part, vars, stack);
      (n ? neg : pos).push(node);
    }
    return { node: { kind: "group", pos, neg }, negated };
  }
  try {
    return { node: { kind: "set", set: new CidrSet([parseCidr(s)]) }, negated };
  } catch {
    throw new RuleSkip(
      "(malformed)",
      `invalid address "${s}": expected any, an IP address, a CIDR block, $VAR or a [group]`,
    );
  }
}

/**
 * Parses an address group, resolving variables from `vars` (values without
 * the `$`).
 *
 * @example
 * ```ts
 * import { parseAddressGroup } from "./address_group.ts";
 * const ext = parseAddressGroup("$EXTERNAL_NET", { HOME_NET: "[10.0.0.0/8]", EXTERNAL_NET: "!$HOME_NET" });
 * ext.matches("8.8.8.8"); // true
 * ```
 *
 * @throws {RuleSkip} When the group is malformed or names an undefined variable.
 */
export function parseAddressGroup(
  text: string,
  vars: Readonly<Record<string, string>>,
): AddressGroup {
  const { node, negated } = parseNode(text, vars, []);
  if (!negated && node.kind === "any") return { any: true, matches: () => true };
  return {
    any: false,
    matches: (address) => address !== null && test(node, address) !== negated,
  };
}
