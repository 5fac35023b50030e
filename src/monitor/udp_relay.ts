/**
 * The upstream half of a UDP tap. UDP has no connections to relay, so each
 * flow (client 5-tuple) gets a socket of its own towards the service, as
 * socat and NAT do: the service's answers on that socket belong to that
 * flow and go back to that client. The socket is closed when its flow ends
 * (the inactivity timeout, or shutdown), and the number open at once is
 * bounded by the monitor's connection limit.
 *
 * @module
 */

import type { DatagramCallback, UdpListener, UdpListenOptions } from "../net/datagram.ts";
import { parseIp } from "../net/ip.ts";
import type { UdpFlow } from "./udp_flows.ts";

/** Datagrams held per flow while its socket is being opened; more are dropped. */
const PENDING_LIMIT = 64;

/** What the relays need from their monitor. */
export interface UdpRelayHost {
  /** Opens a UDP socket (the adapter's `listenUdp`). */
  listenUdp(options: UdpListenOptions, onDatagram: DatagramCallback): Promise<UdpListener>;
  /** The service answered on `flow`'s socket: count it, record it and pass it to the client. */
  answered(flow: UdpFlow, data: Uint8Array, target: UdpTarget): void;
  /** Reports a fault the relay absorbed. */
  warn(kind: "handler-error", error: unknown): void;
}

/** Where a UDP tap relays to, and how its answers go back. */
export interface UdpTarget {
  /** The service's host. */
  readonly host: string;
  /** The service's port. */
  readonly port: number;
  /** The tap's own socket, which answers go back to the clients through (set once it is bound). */
  reply: UdpListener | undefined;
}

interface FlowSocket {
  socket: UdpListener | undefined;
  /** Client datagrams that came while the socket was being opened. */
  pending: Uint8Array[] | undefined;
  ended: boolean;
}

/**
 * The address a flow's socket binds: the loopback for a service on the
 * loopback (nothing else can reach it then), the wildcard of the service's
 * family otherwise.
 */
function bindAddress(host: string): string {
  const ip = parseIp(host);
  if (ip === null) return "0.0.0.0";
  if (ip.length === 16) return ip.every((b, i) => b === (i === 15 ? 1 : 0)) ? "::1" : "::";
  return ip[0] === 127 ? "127.0.0.1" : "0.0.0.0";
}

/**
 * The per-flow sockets of a monitor's UDP taps.
 *
 * @example
 * ```ts ignore
 * const relays = new UdpRelays(host, 10_000);
 * relays.forward(flow, { host: "127.0.0.1", port: 53, reply: tapSocket }, datagram);
 * relays.end(flow.uid); // when the flow's conn.close is emitted
 * ```
 */
export class UdpRelays {
  #host: UdpRelayHost;
  #max: number;
  #flows = new Map<string, FlowSocket>();

  constructor(host: UdpRelayHost, max: number) {
    this.#host = host;
    this.#max = max;
  }

  /** Sockets open (or opening) now. */
  get size(): number {
    return this.#flows.size;
  }

  /** True when a new flow cannot get a socket (the connection limit). */
  get full(): boolean {
    return this.#flows.size >= this.#max;
  }

  /** Passes a client datagram of `flow` to the service, opening the flow's socket on its first. */
  forward(flow: UdpFlow, target: UdpTarget, data: Uint8Array): void {
    let relay = this.#flows.get(flow.uid);
    if (relay === undefined) {
      relay = { socket: undefined, pending: [], ended: false };
      this.#flows.set(flow.uid, relay);
      flow.upstream = { addr: target.host, port: target.port };
      this.#open(flow, target, relay);
    }
    if (relay.socket !== undefined) this.#send(relay.socket, data, target);
    else if (relay.pending !== undefined && relay.pending.length < PENDING_LIMIT) {
      // A copy: the adapter may reuse its buffer before the socket is open.
      relay.pending.push(data.slice());
    }
  }

  /** Closes `uid`'s socket: its flow ended. */
  end(uid: string): void {
    const relay = this.#flows.get(uid);
    if (relay === undefined) return;
    this.#flows.delete(uid);
    relay.ended = true;
    relay.pending = undefined;
    relay.socket?.close();
  }

  /** Closes every socket (shutdown). */
  closeAll(): void {
    for (const uid of [...this.#flows.keys()]) this.end(uid);
  }

  #open(flow: UdpFlow, target: UdpTarget, relay: FlowSocket): void {
    const onDatagram: DatagramCallback = (data, _address, port) => {
      // Only the service's answers: this socket's port is no one else's business.
      if (port !== target.port || relay.ended) return;
      this.#host.answered(flow, data, target);
    };
    this.#host.listenUdp({ hostname: bindAddress(target.host), port: 0 }, onDatagram).then(
      (socket) => {
        if (relay.ended) return socket.close();
        relay.socket = socket;
        flow.upstream!.sport = socket.localPort;
        const pending = relay.pending ?? [];
        relay.pending = undefined;
        for (const data of pending) this.#send(socket, data, target);
      },
      (err) => {
        // No socket (EMFILE, say): the flow is still recorded, with why it was not relayed.
        relay.pending = undefined;
        flow.upstream!.error = "error";
        this.#host.warn("handler-error", err);
      },
    );
  }

  #send(socket: UdpListener, data: Uint8Array, target: UdpTarget): void {
    // UDP is best effort: a datagram the kernel refuses is lost, as on the wire.
    socket.send(data, target.host, target.port).catch(() => {});
  }
}
