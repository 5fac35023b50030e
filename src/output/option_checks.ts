/**
 * Range checks for the number options of writers, with the house's messages
 * (`Invalid maxQueue "0": expected an integer >= 1`).
 *
 * @module
 */

/**
 * Returns `value` if it is an integer >= 1.
 *
 * @example
 * ```ts
 * import { positiveInteger } from "./option_checks.ts";
 * const maxQueue = positiveInteger("maxQueue", 1000); // 1000; 0 would throw
 * ```
 *
 * @throws {RangeError} naming `name` and `value` otherwise.
 */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Invalid ${name} "${value}": expected an integer >= 1`);
  }
  return value;
}

/**
 * Returns `value` if it is a finite number >= 0.
 *
 * @example
 * ```ts
 * import { nonNegativeNumber } from "./option_checks.ts";
 * const timeoutMs = nonNegativeNumber("timeoutMs", 5000); // 5000; -1 or Infinity would throw
 * ```
 *
 * @throws {RangeError} naming `name` and `value` otherwise.
 */
export function nonNegativeNumber(name: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`Invalid ${name} "${value}": expected a finite number >= 0`);
  }
  return value;
}
