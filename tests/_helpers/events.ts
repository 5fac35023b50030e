// Event fixtures shared by the format tests.
import type { CloseReason, ConnCloseEvent, ConnOpenEvent, ServiceName } from "sockscope";

/** The uid of the `i`-th connection of a numbered run. */
export function numberedUid(i: number): string {
  return `C${String(i).padStart(17, "0")}`;
}

/** The flow fields of the `i`-th of a run of loopback connections: its own uid and client port. */
export function numberedFlow(i: number): Pick<
  ConnOpenEvent,
  "uid" | "community_id" | "proto" | "src" | "sport" | "dst" | "dport"
> {
  return {
    uid: numberedUid(i),
    community_id: "1:x",
    proto: "tcp",
    src: "127.0.0.1",
    sport: 10000 + i,
    dst: "127.0.0.1",
    dport: 8000,
  };
}

/** The `i`-th of a run of loopback `conn.open` events, one shape for all. */
export function numberedOpen(i: number): ConnOpenEvent {
  return { ts: "2026-11-26T00:00:00.000Z", type: "conn.open", ...numberedFlow(i) };
}

/** A polite TCP connection's `conn.close` (both FINs, the peer first), with `extra` on top. */
export function closeEvent(extra: Partial<ConnCloseEvent> = {}): ConnCloseEvent {
  return {
    ts: "2026-11-26T10:00:02.250Z",
    type: "conn.close",
    uid: "CHhAvVGS1DHFjwGM9a",
    community_id: "1:Os/lBeoKsqsZOBQedv6YA3Ac5ZM=",
    proto: "tcp",
    src: "192.0.2.7",
    sport: 41620,
    dst: "10.0.0.1",
    dport: 8000,
    reason: "fin",
    duration: 2.25,
    orig_bytes: 26,
    resp_bytes: 4,
    start: "2026-11-26T10:00:00.000Z",
    orig_end: "fin",
    resp_end: "fin",
    first_end: "orig",
    orig_first_ms: 5,
    resp_first_ms: 7,
    ...extra,
  };
}

const SERVICES: (ServiceName | undefined)[] = [
  undefined,
  "http",
  "tls",
  "ssh",
  "redis",
  "dns",
  "text",
  "binary",
];

/**
 * Every combination a socket can report, each a separate record (services
 * and sub-millisecond durations cycling through them).
 */
export function everyCloseEvent(): ConnCloseEvent[] {
  const out: ConnCloseEvent[] = [];
  const reasons: CloseReason[] = ["fin", "rst", "idle-timeout", "max-conns", "shutdown", "error"];
  const ends = [null, "fin", "rst"] as const;
  const peers: [string | null, number | null, string][] = [
    ["192.0.2.7", 41620, "10.0.0.1"],
    ["2001:db8::7", 50000, "2001:db8::1"],
    ["::ffff:192.0.2.8", 50001, "::ffff:10.0.0.1"],
    [null, null, "0.0.0.0"],
    [null, null, "::"],
  ];
  let n = 0;
  const uid = () => `C${String(n++).padStart(17, "0")}`;
  for (const [src, sport, dst] of peers) {
    const peer = { src, sport, dst, community_id: src === null ? undefined : "1:x=" };
    for (const reason of reasons) {
      for (const orig_end of ends) {
        for (const resp_end of ends) {
          const firstEnd = orig_end ? "orig" : resp_end ? "resp" : null;
          out.push(closeEvent({
            service: SERVICES[n % SERVICES.length],
            duration: (n % 7) * 0.3337,
            uid: uid(),
            ...peer,
            reason,
            orig_end,
            resp_end,
            first_end: firstEnd,
            ...(reason === "error" ? { error: "boom" } : {}),
          }));
        }
      }
      // Tap mode: reached, and each way of not reaching the upstream.
      out.push(closeEvent({
        uid: uid(),
        ...peer,
        reason,
        upstream_addr: "10.9.9.9",
        upstream_port: 22,
        upstream_sport: 40000,
        upstream_connect_ms: 3,
      }));
      for (const upstream_error of ["refused", "unreachable", "timeout", "error"] as const) {
        out.push(closeEvent({
          uid: uid(),
          ...peer,
          reason,
          upstream_addr: "10.9.9.9",
          upstream_port: 22,
          upstream_error,
          resp_bytes: 0,
          resp_first_ms: undefined,
          resp_end: null,
        }));
      }
    }
  }
  for (const [src, dst] of [["192.0.2.9", "10.0.0.1"], ["2001:db8::9", "2001:db8::1"]]) {
    for (const [orig_pkts, resp_pkts] of [[1, 0], [3, 2], [0, 0]]) {
      for (const reason of ["idle-timeout", "shutdown"] as const) {
        out.push(closeEvent({
          uid: uid(),
          proto: "udp",
          src,
          dst,
          sport: 5353,
          dport: 53,
          reason,
          orig_pkts,
          resp_pkts,
          orig_bytes: orig_pkts * 30,
          resp_bytes: resp_pkts * 90,
          orig_end: null,
          resp_end: null,
          first_end: null,
          orig_first_ms: undefined,
          resp_first_ms: undefined,
        }));
      }
    }
  }
  return out;
}
