// Detection's event fixtures (conn.app, alert, episode.end, ban), by hand,
// shared by the output format tests. Field order follows the interfaces.
import type {
  AlertEvent,
  BanEvent,
  ConnAppEvent,
  EpisodeEndEvent,
  FlowFields,
} from "../../src/monitor/events.ts";

const UID = "CHhAvVGS1DHFjwGM9a";

/** The 5-tuple of the connection in the close fixture (tests/_helpers/events.ts). */
export function flow(extra: Partial<Omit<FlowFields, "ts">> = {}): Omit<FlowFields, "ts"> {
  return {
    uid: UID,
    community_id: "1:Os/lBeoKsqsZOBQedv6YA3Ac5ZM=",
    proto: "tcp",
    src: "192.0.2.7",
    sport: 41620,
    dst: "10.0.0.1",
    dport: 8000,
    ...extra,
  };
}

/** `curl http://example.test:8000/index.html`'s request, recognised. */
export function httpApp(extra: Partial<ConnAppEvent> = {}): ConnAppEvent {
  return {
    ts: "2026-11-26T10:00:00.010Z",
    type: "conn.app",
    ...flow(),
    service: "http",
    http: {
      method: "GET",
      uri: "/index.html",
      version: "HTTP/1.1",
      request_line: "GET /index.html HTTP/1.1",
      host: "example.test:8000",
      user_agent: "curl/7.88.1",
      headers: [["Host", "example.test:8000"], ["User-Agent", "curl/7.88.1"], ["Accept", "*/*"]],
      body_offset: 84,
      truncated: false,
    },
    dir: "orig",
    ...extra,
  };
}

/** A TLS 1.3 ClientHello with SNI and ALPN. */
export function tlsApp(extra: Partial<ConnAppEvent> = {}): ConnAppEvent {
  return {
    ts: "2026-11-26T10:00:00.010Z",
    type: "conn.app",
    ...flow({ dport: 8443 }),
    service: "tls",
    tls: {
      record_version: 0x0301,
      version: 0x0303,
      supported_versions: [0x0304, 0x0303],
      sni: "example.test",
      alpn: ["h2", "http/1.1"],
      ciphers: [0x1301, 0x1302, 0x1303, 0xc02b],
      extensions: [0, 23, 65281, 10, 11, 35, 16, 5, 13, 43, 45, 51],
      groups: [29, 23, 24],
      ec_point_formats: [0],
      signature_algorithms: [0x0403, 0x0804],
      ja3: "771,4865-4866-4867-49195,0-23-65281-10-11-35-16-5-13-43-45-51,29-23-24,0",
      ja3_hash: "0c1a1b8e2c0d5e6f7a8b9c0d1e2f3a4b",
      ja4: "t13d0412h2_55b375c5d22e_0c1e3ad5a1c4",
      truncated: false,
    },
    dir: "orig",
    ...extra,
  };
}

/** An SSH identification string, of the client (`orig`) or the server (`resp`). */
export function sshApp(dir: "orig" | "resp", software: string, comments?: string): ConnAppEvent {
  return {
    ts: "2026-11-26T10:00:00.010Z",
    type: "conn.app",
    ...flow({ dport: 22 }),
    service: "ssh",
    ssh: { proto_version: "2.0", software, ...(comments === undefined ? {} : { comments }) },
    dir,
  };
}

/** `redis-cli set k v`. */
export function redisApp(): ConnAppEvent {
  return {
    ts: "2026-11-26T10:00:00.010Z",
    type: "conn.app",
    ...flow({ dport: 6379 }),
    service: "redis",
    redis: { command: "SET", args: 2, inline: false },
    dir: "orig",
  };
}

/** `dig example.com A` to a UDP listener. */
export function dnsApp(): ConnAppEvent {
  return {
    ts: "2026-11-26T10:00:00.010Z",
    type: "conn.app",
    ...flow({ proto: "udp", sport: 53535, dport: 5353 }),
    service: "dns",
    dns: { id: 4660, rrname: "example.com", rrtype: "A", rrtype_code: 1 },
    dir: "orig",
  };
}

/** Bytes no parser knew: the generic guess. */
export function textApp(): ConnAppEvent {
  return {
    ts: "2026-11-26T10:00:00.010Z",
    type: "conn.app",
    ...flow(),
    service: "text",
    dir: "orig",
  };
}

/** A payload rule matched the client's HTTP request (ET-style, with metadata). */
export function ruleAlert(extra: Partial<AlertEvent> = {}): AlertEvent {
  return {
    ts: "2026-11-26T10:00:00.020Z",
    type: "alert",
    ...flow(),
    origin: "rule",
    action: "allowed",
    signature_id: 2001219,
    rev: 20,
    signature: "ET SCAN Potential SSH Scan",
    category: "Attempted Information Leak",
    severity: 2,
    dir: "orig",
    app_proto: "http",
    metadata: { created_at: ["2010_07_30"], updated_at: ["2019_07_26"], signature_severity: [] },
    ...extra,
  };
}

/** The connect-scan detector tripped on a source: 21 ports in 5 s. */
export function scanAlert(extra: Partial<AlertEvent> = {}): AlertEvent {
  const ports = Array.from({ length: 21 }, (_, i) => 18190 + i);
  return {
    ts: "2026-12-01T10:00:01.234Z",
    type: "alert",
    ...flow({
      src: "203.0.113.5",
      sport: 51234,
      dst: "127.0.0.1",
      dport: 18210,
      community_id: "1:fake+scan+id+0000000000000=",
    }),
    origin: "behavior",
    action: "allowed",
    signature_id: 9000001,
    rev: 1,
    signature: "sockscope connect scan",
    category: "Detection of a Network Scan",
    severity: 2,
    episode: {
      kind: "scan",
      count: 21,
      threshold: 20,
      window: 5,
      ports,
      addresses: ["127.0.0.1"],
      first: "2026-12-01T10:00:00.100Z",
    },
    ...extra,
  };
}

/** The scan's episode ended: the source was quiet for a window. */
export function episodeEnd(extra: Partial<EpisodeEndEvent> = {}): EpisodeEndEvent {
  return {
    ts: "2026-12-01T10:00:13.000Z",
    type: "episode.end",
    kind: "scan",
    src: "203.0.113.5",
    first: "2026-12-01T10:00:00.100Z",
    last: "2026-12-01T10:00:07.900Z",
    connections: 63,
    ports: [...Array.from({ length: 21 }, (_, i) => 18190 + i), 22],
    port_count: 22,
    addresses: ["127.0.0.1"],
    ...extra,
  };
}

/** The scanner banned (second offense: 20 minutes). */
export function banEvent(extra: Partial<BanEvent> = {}): BanEvent {
  return {
    ts: "2026-12-01T10:00:01.240Z",
    type: "ban",
    action: "ban",
    src: "203.0.113.5",
    reason: "sockscope connect scan",
    signature_id: 9000001,
    offense: 2,
    duration: 1200,
    until: "2026-12-01T10:20:01.240Z",
    ...extra,
  };
}

/** Every detection event above, once. */
export function detectionEvents(): (ConnAppEvent | AlertEvent | EpisodeEndEvent | BanEvent)[] {
  return [
    httpApp(),
    tlsApp(),
    sshApp("orig", "OpenSSH_9.2p1", "Debian-2+deb12u3"),
    sshApp("resp", "OpenSSH_9.6"),
    redisApp(),
    dnsApp(),
    textApp(),
    ruleAlert(),
    ruleAlert({ dir: "resp", suppressed: 4, metadata: undefined }),
    scanAlert(),
    scanAlert({ src: null, sport: null, community_id: undefined, action: "blocked" }),
    episodeEnd(),
    episodeEnd({ src: null }),
    banEvent(),
    banEvent({ action: "unban", ts: "2026-12-01T10:20:01.240Z" }),
  ];
}
