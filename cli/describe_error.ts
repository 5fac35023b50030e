/**
 * One short, runtime-independent phrase for an I/O error in a console line:
 * `ENOSPC: no space left on device`, whether Node (`ENOSPC: no space left on
 * device, write`), Bun or Deno (`No space left on device (os error 28)`)
 * made it.
 *
 * @module
 */

/** `CODE: what happened`, or the bare message when the error has no code. */
export function describeError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  let text = err instanceof Error ? err.message : String(err);
  if (typeof code === "string" && code !== "") {
    text = text
      .replace(new RegExp(`^${code}: `), "") // Node, Bun: "ENOSPC: no space left on device, write"
      .replace(/, (write|open|close|fsync|ftruncate|fstat)\b.*$/, "") // ... and the syscall
      .replace(/ \(os error \d+\).*$/, ""); // Deno: "No space left on device (os error 28)"
    text = text.charAt(0).toLowerCase() + text.slice(1);
    return `${code}: ${text}`;
  }
  return text;
}
