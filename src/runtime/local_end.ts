/**
 * The local end of accepted connections, when the listener already knows it.
 *
 * @module
 */

/** A local address and port, shared by every connection of one listener. */
export interface LocalEnd {
  /** Local address. */
  readonly address: string;
  /** Local port. */
  readonly port: number;
}

const WILDCARD = new Set(["0.0.0.0", "::", "", "localhost"]);

/**
 * The listener's own address when it is bound to exactly one address: then
 * every connection's local end is known without a getsockname(2) per
 * connection, and one object serves them all. Undefined for wildcard
 * listeners, whose connections may arrive on any local address.
 */
export function sharedLocalEnd(
  requested: string,
  bound: string,
  port: number,
): LocalEnd | undefined {
  return WILDCARD.has(requested) || WILDCARD.has(bound) ? undefined : { address: bound, port };
}
