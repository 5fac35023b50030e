// Event fixtures shared by the format tests.
import type { ConnCloseEvent } from "sockscope";

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
