/**
 * Rule header port groups: `any`, `80`, ranges `80:90`, open ranges `1024:`
 * and `:1023`, `!`, `$VARIABLES` and nested groups `[80,8000:8100,!8080]`.
 *
 * @module
 */

import { lookupVar, RuleSkip, splitGroup } from "./variables.ts";

/**
 * A compiled port group.
 *
 * @example
 * ```ts
 * import { parsePortGroup } from "./port_group.ts";
 * const g = parsePortGroup("[80,8000:8100,!8080]", {});
 * g.matches(8001); // true
 * g.matches(8080); // false
 * ```
 */
export interface PortGroup {
  /** True for `any` (the only group an unknown port matches). */
  readonly any: boolean;
  /** True when `port` is in the group; `null` (unknown) matches only `any`. */
  matches(port: number | null): boolean;
}

type Node =
  | { readonly kind: "any" }
  | { readonly kind: "range"; readonly lo: number; readonly hi: number }
  | { readonly kind: "group"; readonly pos: readonly Node[]; readonly neg: readonly Node[] };

function test(node: Node, port: number): boolean {
  switch (node.kind) {
    case "any":
      return true;
    case "range":
      return port >= node.lo && port <= node.hi;
    case "group":
      if (node.pos.length > 0 && !node.pos.some((n) => test(n, port))) return false;
      return !node.neg.some((n) => test(n, port));
  }
}

function portNumber(text: string, whole: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new RuleSkip(
      "(malformed)",
      `invalid port "${whole}": expected any, 0-65535, a range LO:HI, $VAR or a [group]`,
    );
  }
  return Number(text);
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
  if (s === "") throw new RuleSkip("(malformed)", `empty port in "${text}"`);
  if (s.startsWith("$")) {
    const inner = parseNode(lookupVar(vars, s, stack), vars, [...stack, s.slice(1)]);
    return { node: inner.node, negated: negated !== inner.negated };
  }
  if (s === "any") {
    if (negated) throw new RuleSkip("(malformed)", `"!any" matches no port: expected a port group`);
    return { node: { kind: "any" }, negated };
  }
  if (s.startsWith("[")) {
    if (!s.endsWith("]")) {
      throw new RuleSkip("(malformed)", `unbalanced brackets in port group "${text}"`);
    }
    const pos: Node[] = [];
    const neg: Node[] = [];
    for (const part of splitGroup(s.slice(1, -1))) {
      const { node, negated: n } = parseNode(part, vars, stack);
      (n ? neg : pos).push(node);
    }
    return { node: { kind: "group", pos, neg }, negated };
  }
  const colon = s.indexOf(":");
  if (colon === -1) {
    const p = portNumber(s, text);
    return { node: { kind: "range", lo: p, hi: p }, negated };
  }
  const a = s.slice(0, colon).trim();
  const b = s.slice(colon + 1).trim();
  const lo = a === "" ? 0 : portNumber(a, text);
  const hi = b === "" ? 65535 : portNumber(b, text);
  if (lo > hi) {
    throw new RuleSkip("(malformed)", `invalid port range "${text}": expected LO:HI with LO <= HI`);
  }
  return { node: { kind: "range", lo, hi }, negated };
}

/**
 * Parses a port group, resolving variables from `vars`.
 *
 * @example
 * ```ts
 * import { parsePortGroup } from "./port_group.ts";
 * parsePortGroup("$HTTP_PORTS", { HTTP_PORTS: "[80,8080]" }).matches(8080); // true
 * parsePortGroup("1024:", {}).matches(80); // false
 * ```
 *
 * @throws {RuleSkip} When the group is malformed or names an undefined variable.
 */
export function parsePortGroup(text: string, vars: Readonly<Record<string, string>>): PortGroup {
  const { node, negated } = parseNode(text, vars, []);
  if (!negated && node.kind === "any") return { any: true, matches: () => true };
  return { any: false, matches: (port) => port !== null && test(node, port) !== negated };
}
