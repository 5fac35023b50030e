/**
 * Recovers the peer address of an accepted socket whose peer already reset,
 * where the runtime allows it.
 *
 * Linux fills in the address in accept(2) even for a connection that was
 * reset while it waited in the queue, but getpeername(2) then fails with
 * ENOTCONN, and that is all Node (libuv discards accept's address), Deno and
 * Bun ask. `getsockopt(SO_PEERNAME)` takes the kernel path accept(2) takes,
 * without the connected-state check, so it still answers. Only Bun can call it
 * (through `bun:ffi`, given the socket's fd); Node has no FFI and Deno hands
 * out no descriptor. See docs/events.md for what each runtime recovers.
 *
 * @module
 */

import { formatIp, normalizeAddress } from "../net/ip.ts";
import { bunLibc } from "./bun_libc.ts";

/** A peer's address and port. */
export interface PeerName {
  /** Peer address (IPv4-mapped IPv6 normalised to IPv4). */
  readonly address: string;
  /** Peer port. */
  readonly port: number;
}

const SOL_SOCKET = 1;
const SO_PEERNAME = 28;
const AF_INET = 2;
const AF_INET6 = 10;
const SOCKADDR_IN = 16;
const SOCKADDR_IN6 = 28;

/**
 * The peer of socket `fd` via `SO_PEERNAME`, or undefined where that cannot
 * be asked (not Bun on Linux) or the kernel has no address.
 *
 * @example
 * ```ts
 * import { peerNameOf } from "./peer_name.ts";
 * console.log(peerNameOf(-1)); // undefined
 * ```
 */
export function peerNameOf(fd: number): PeerName | undefined {
  const api = bunLibc();
  if (api === null || !(fd >= 0)) return undefined;
  const buf = new Uint8Array(SOCKADDR_IN6);
  const len = new Uint32Array(1);
  // The kernel rejects (EINVAL) a buffer longer than the address: ask for an
  // IPv4 one first, and again with the IPv6 size if the family says so.
  for (const size of [SOCKADDR_IN, SOCKADDR_IN6]) {
    len[0] = size;
    if (api.getsockopt(fd, SOL_SOCKET, SO_PEERNAME, api.ptr(buf), api.ptr(len)) !== 0) {
      return undefined;
    }
    const family = buf[0] | (buf[1] << 8); // sa_family_t, host order (little-endian on Linux targets)
    const port = (buf[2] << 8) | buf[3];
    if (family === AF_INET) return { address: formatIp(buf.subarray(4, 8)), port };
    if (family !== AF_INET6) return undefined;
    if (size === SOCKADDR_IN6) return { address: formatIp(buf.subarray(8, 24)), port };
  }
  return undefined;
}

/** What an adapter records of an accepted socket's peer: both fields, or neither (nulls). */
export interface RecordedPeer {
  /** Peer address, or null when nothing could tell it. */
  readonly address: string | null;
  /** Peer port, or null with the address. */
  readonly port: number | null;
}

/**
 * The peer as the runtime reported it (`address`, `port`, from its
 * getpeername(2) calls), or else as `SO_PEERNAME` on `fd` still knows it;
 * both or neither: a source is never recorded without its port (Bun reads
 * address and port with separate calls, so a peer that resets between them
 * leaves one of the two).
 *
 * @example
 * ```ts
 * import { recordedPeer } from "./peer_name.ts";
 * console.log(recordedPeer("::ffff:127.0.0.1", 40000, undefined)); // { address: "127.0.0.1", port: 40000 }
 * console.log(recordedPeer(undefined, undefined, undefined)); // { address: null, port: null }
 * ```
 */
export function recordedPeer(
  address: string | undefined,
  port: number | undefined,
  fd: number | undefined,
): RecordedPeer {
  if (address !== undefined && port) return { address: normalizeAddress(address), port };
  const peer = fd === undefined ? undefined : peerNameOf(fd);
  return { address: peer?.address ?? null, port: peer?.port ?? null };
}
