/**
 * What the monitor needs of a payload rule set: the contract between the
 * engine (`src/monitor`) and the rules (`src/detect/rules`), so that either
 * side can change inside without the other.
 *
 * @module
 */

import type { RuleInput, RuleMatch } from "./rules/rule_types.ts";

/**
 * A loaded rule set, as the monitor uses it.
 *
 * @example
 * ```ts
 * import type { RuleEngine } from "@sockscope/sockscope";
 * const none: RuleEngine<null> = { size: 0, newFlowState: () => null, match: () => [] };
 * ```
 */
export interface RuleEngine<F = unknown> {
  /** Rules loaded. */
  readonly size: number;
  /** Per-flow state (flowbits); one per connection or UDP flow. */
  newFlowState(): F;
  /** The rules that match `input`; called at each inspection checkpoint. */
  match(input: RuleInput, flow: F): readonly RuleMatch[];
}
