/**
 * The CLI process does without JavaScript stack traces unless asked for.
 *
 * Why: Node and Bun build an error with a stack trace for every connection a
 * peer resets, and Node's socket streams read its `err.stack` (`destroy`
 * captures it before going async), so each connection a scanner resets
 * (`nmap -sT`) costs the capture and formatting of an `ECONNRESET` stack that
 * nobody reads. Under the scanner benchmark that was a tenth to
 * a fifth of the monitor's CPU on Node and Bun (bench/RESULTS.md). The
 * monitor reports errors in one line and never prints a stack; an uncaught
 * exception still shows the file, line and source of the throw (the
 * runtimes print those from the error's location, not from its stack).
 *
 * Only the command's own process is changed: `main()` called from a
 * program leaves the host's stack traces alone.
 *
 * @module
 */

/** The variable that keeps stack traces, for debugging: `SOCKSCOPE_STACK_TRACES=1`. */
export const STACK_TRACES_VARIABLE = "SOCKSCOPE_STACK_TRACES";

/**
 * Turns stack trace capture off (`Error.stackTraceLimit = 0`) unless
 * `SOCKSCOPE_STACK_TRACES` is set to anything but `0` or the empty string.
 *
 * @example
 * ```ts
 * import { dropStackTraces } from "./stack_traces.ts";
 * dropStackTraces((name) => name === "SOCKSCOPE_STACK_TRACES" ? "1" : undefined); // false: kept
 * ```
 *
 * @param env Reads an environment variable.
 * @returns Whether stack traces were turned off.
 */
export function dropStackTraces(env: (name: string) => string | undefined): boolean {
  const keep = env(STACK_TRACES_VARIABLE);
  if (keep !== undefined && keep !== "" && keep !== "0") return false;
  Error.stackTraceLimit = 0;
  return true;
}
