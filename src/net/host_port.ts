/**
 * `[HOST:]PORT` and `HOST:PORT` arguments, as operators type them
 * (`8080`, `127.0.0.1:8080`, `[::1]:8080`, `db.internal:5432`).
 *
 * @module
 */

/** A host and port parsed from an argument. */
export interface HostPort {
  /** The host: an IP literal (IPv6 without brackets) or a name; undefined when only a port was given. */
  readonly host: string | undefined;
  /** The port (0-65535; 0 only where `allowZero`). */
  readonly port: number;
}

/**
 * Parses `[HOST:]PORT` (host optional) or, with `requireHost`, `HOST:PORT`.
 * IPv6 literals go in brackets: `[::1]:8080`.
 *
 * @example
 * ```ts
 * import { parseHostPort } from "@sockscope/sockscope";
 * parseHostPort("8080", "--map"); // { host: undefined, port: 8080 }
 * parseHostPort("[::1]:6379", "--map"); // { host: "::1", port: 6379 }
 * ```
 *
 * @throws {TypeError} naming `flag` and the expected form when `text` is malformed.
 * @throws {RangeError} when the port is out of range.
 */
export function parseHostPort(
  text: string,
  flag: string,
  options: { requireHost?: boolean; allowZero?: boolean } = {},
): HostPort {
  const form = options.requireHost ? "HOST:PORT" : "[HOST:]PORT";
  let host: string | undefined;
  let portText: string;
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(text);
  if (bracketed) {
    host = bracketed[1];
    portText = bracketed[2];
  } else {
    const colon = text.lastIndexOf(":");
    if (colon === -1) portText = text;
    else {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
      if (host.includes(":")) {
        throw new TypeError(
          `${flag}: invalid address "${text}": expected ${form}, with IPv6 in brackets ([::1]:8080)`,
        );
      }
    }
  }
  if (host !== undefined && host.length === 0) {
    throw new TypeError(`${flag}: invalid address "${text}": expected ${form}`);
  }
  if (options.requireHost && host === undefined) {
    throw new TypeError(`${flag}: invalid address "${text}": expected ${form}`);
  }
  if (!/^\d{1,5}$/.test(portText)) {
    throw new TypeError(`${flag}: invalid address "${text}": expected ${form}`);
  }
  const port = Number(portText);
  const min = options.allowZero ? 0 : 1;
  if (port < min || port > 65535) {
    throw new RangeError(`${flag}: invalid port "${portText}": expected ${min}-65535`);
  }
  return { host, port };
}
