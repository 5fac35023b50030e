/**
 * One short, runtime-independent phrase for an I/O error in a console line:
 * `ENOSPC: no space left on device`, whether Node (`ENOSPC: no space left on
 * device, write`, or `write EPIPE` from a stream), Bun or Deno (`No space left
 * on device (os error 28)`) made it.
 *
 * @module
 */

/** strerror() texts of the codes a writer meets, for messages that carry only the code. */
const TEXT: Readonly<Record<string, string>> = {
  EPIPE: "broken pipe",
  ENOSPC: "no space left on device",
  EIO: "input/output error",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EBADF: "bad file descriptor",
  ECONNRESET: "connection reset by peer",
  EACCES: "permission denied",
  ENOENT: "no such file or directory",
};

/** `CODE: what happened`, or the bare message when the error has no code. */
export function describeError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  let text = err instanceof Error ? err.message : String(err);
  if (typeof code !== "string" || code === "") return text;
  if (new RegExp(`^\\w+ ${code}$`).test(text) && Object.hasOwn(TEXT, code)) {
    text = TEXT[code]; // Node's streams: "write EPIPE"
  }
  text = text
    .replace(new RegExp(`^${code}: `), "") // Node, Bun: "ENOSPC: no space left on device, write"
    .replace(/, (write|open|close|fsync|ftruncate|fstat)\b.*$/, "") // ... and the syscall
    .replace(/ \(os error \d+\).*$/, ""); // Deno: "No space left on device (os error 28)"
  return `${code}: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}
