/**
 * A wrong flag or value: the CLI prints the message on one line and exits 2.
 *
 * @module
 */

/** Raised for command-line mistakes; its message names the flag and what is expected. */
export class UsageError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
