/**
 * Validates behaviour-detection options and fills in the defaults.
 *
 * @module
 */

import {
  BEHAVIOR_KINDS,
  type BehaviorConfig,
  type BehaviorThreshold,
  DEFAULT_BEHAVIOR,
} from "./behavior_config.ts";

/**
 * `true`/undefined: the defaults; `false`: off; an object: the defaults with
 * its detectors replaced (`false` turns one off).
 *
 * @example
 * ```ts
 * import { resolveBehavior } from "@sockscope/sockscope";
 * const config = resolveBehavior({ flood: false });
 * console.log(config && config.flood); // false
 * ```
 *
 * @throws {TypeError} Naming the detector whose setting is not `false` or `{ count, windowMs }`.
 * @throws {RangeError} If a count is not a whole number >= 1 or a window not > 0 ms.
 */
export function resolveBehavior(
  value: boolean | Partial<BehaviorConfig> | undefined,
): BehaviorConfig | false {
  if (value === false) return false;
  if (value === undefined || value === true) return DEFAULT_BEHAVIOR;
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `Invalid detect ${JSON.stringify(value)}: expected true, false or an object`,
    );
  }
  const out: Record<string, BehaviorThreshold | false> = { ...DEFAULT_BEHAVIOR };
  for (const [kind, t] of Object.entries(value)) {
    if (!(BEHAVIOR_KINDS as readonly string[]).includes(kind)) {
      throw new TypeError(
        `Invalid detect.${kind}: expected one of ${BEHAVIOR_KINDS.join(", ")}`,
      );
    }
    if (t === undefined) continue;
    if (t === false) {
      out[kind] = false;
      continue;
    }
    if (typeof t !== "object" || t === null) {
      throw new TypeError(`Invalid detect.${kind}: expected false or { count, windowMs }`);
    }
    const { count, windowMs } = t as BehaviorThreshold;
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new RangeError(`Invalid detect.${kind}.count "${count}": expected a whole number >= 1`);
    }
    const needsWindow = kind !== "concurrency";
    if (needsWindow && !(windowMs > 0 && Number.isFinite(windowMs))) {
      throw new RangeError(`Invalid detect.${kind}.windowMs "${windowMs}": expected ms > 0`);
    }
    out[kind] = { count, windowMs: needsWindow ? windowMs : 0 };
  }
  return out as unknown as BehaviorConfig;
}
