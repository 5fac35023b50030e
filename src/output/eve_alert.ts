/**
 * Suricata's EVE `alert` event for a sockscope alert: the same flow_id,
 * tuple and community_id as the connection's `flow` record (a SIEM joins
 * them on either), Suricata's `alert` object, and for rule alerts what the
 * fingerprints read of the flow in Suricata's `http`, `tls`, `ssh` and
 * `dns` objects. Only fields Suricata's EVE schema has are written.
 *
 * @module
 */

import type { AppInfo } from "../detect/app_info.ts";
import type { AlertEvent } from "../monitor/events.ts";
import { eveAppProto, eveFlowId, eveIpVersion, eveTime } from "./eve_common.ts";

/**
 * What the fingerprints recognised of one flow, each direction.
 *
 * @example
 * ```ts
 * import type { FlowApps } from "./eve_alert.ts";
 * const apps: FlowApps = { orig: { service: "ssh", ssh: { proto_version: "2.0", software: "OpenSSH_9.2p1" } } };
 * ```
 */
export interface FlowApps {
  /** The originator's first bytes (the client's request, ClientHello, banner...). */
  readonly orig?: AppInfo;
  /** The responder's (the server's banner, in tap mode the upstream's). */
  readonly resp?: AppInfo;
}

/**
 * The EVE `alert` object of an alert event, as a plain object in Suricata's
 * field order (ready for `JSON.stringify`).
 *
 * Rule alerts that matched the responder's bytes (`dir: "resp"`) are
 * written the way Suricata writes a `to_client` alert: `src_*` is then the
 * server, `direction` says so, and `flow` keeps the connection's own
 * orientation. An unknown peer (`src: null`) is left out, never made up, as
 * in the `flow` records.
 *
 * @example
 * ```ts
 * import { eveAlert } from "./eve_alert.ts";
 * const line = JSON.stringify(eveAlert({
 *   ts: "2026-12-01T10:00:01.234Z", type: "alert", uid: "CHhAvVGS1DHFjwGM9a", proto: "tcp",
 *   src: "203.0.113.5", sport: 51234, dst: "127.0.0.1", dport: 22, origin: "rule",
 *   action: "allowed", signature_id: 2001219, rev: 20, signature: "ET SCAN Potential SSH Scan",
 *   category: "Attempted Information Leak", severity: 2,
 * }));
 * ```
 *
 * @param ev The alert.
 * @param apps What the fingerprints read of its flow (rule alerts only use it).
 * @returns The EVE event.
 */
export function eveAlert(ev: AlertEvent, apps: FlowApps = {}): Record<string, unknown> {
  const [timestamp] = eveTime(ev.ts, "ts");
  const known = ev.src !== null && ev.sport !== null;
  const toClient = ev.dir === "resp";
  const out: Record<string, unknown> = {
    timestamp,
    flow_id: eveFlowId(ev.uid),
    event_type: "alert",
  };
  if (toClient) {
    out.src_ip = ev.dst;
    out.src_port = ev.dport;
    if (known) {
      out.dest_ip = ev.src;
      out.dest_port = ev.sport;
    }
  } else {
    if (known) {
      out.src_ip = ev.src;
      out.src_port = ev.sport;
    }
    out.dest_ip = ev.dst;
    out.dest_port = ev.dport;
  }
  const ipv = eveIpVersion(known ? ev.src! : ev.dst);
  if (ipv !== 0) out.ip_v = ipv;
  out.proto = ev.proto === "udp" ? "UDP" : "TCP";
  if (ev.community_id !== undefined) out.community_id = ev.community_id;
  const alert: Record<string, unknown> = {
    action: ev.action,
    gid: 1,
    signature_id: ev.signature_id,
    rev: ev.rev,
    signature: ev.signature,
    category: ev.category,
    severity: ev.severity,
  };
  const metadata = eveMetadata(ev.metadata);
  if (metadata !== undefined) alert.metadata = metadata;
  out.alert = alert;
  const appProto = eveAppProto(ev.app_proto ?? apps.orig?.service);
  if (appProto !== undefined) out.app_proto = appProto;
  out.direction = toClient ? "to_client" : "to_server";
  if (ev.origin === "rule") addApps(out, apps);
  if (toClient) {
    // The flow's own orientation, as Suricata adds it to to_client alerts.
    const flow: Record<string, unknown> = {};
    if (known) {
      flow.src_ip = ev.src;
      flow.src_port = ev.sport;
    }
    flow.dest_ip = ev.dst;
    flow.dest_port = ev.dport;
    out.flow = flow;
  }
  return out;
}

/**
 * A rule's metadata as Suricata writes it (key -> list of values); keys
 * without a value are left out (the schema wants at least one for the keys
 * it knows).
 */
function eveMetadata(
  metadata: AlertEvent["metadata"],
): Record<string, string[]> | undefined {
  if (metadata === undefined) return undefined;
  let out: Record<string, string[]> | undefined;
  for (const [key, values] of Object.entries(metadata)) {
    if (!Array.isArray(values)) continue;
    const strings = values.filter((v): v is string => typeof v === "string");
    if (strings.length === 0) continue;
    (out ??= {})[key] = strings;
  }
  return out;
}

function addApps(out: Record<string, unknown>, apps: FlowApps): void {
  const http = apps.orig?.http;
  if (http !== undefined) {
    const o: Record<string, unknown> = {};
    if (http.host !== undefined) {
      const [hostname, port] = splitHost(http.host);
      o.hostname = hostname;
      if (port !== undefined) o.http_port = port;
    }
    o.url = http.uri;
    if (http.user_agent !== undefined) o.http_user_agent = http.user_agent;
    o.http_method = http.method;
    o.protocol = http.version;
    out.http = o;
  }
  const tls = apps.orig?.tls;
  if (tls !== undefined) {
    const o: Record<string, unknown> = {};
    if (tls.sni !== undefined) o.sni = tls.sni;
    o.ja3 = { hash: tls.ja3_hash, string: tls.ja3 };
    o.ja4 = tls.ja4;
    if (tls.alpn !== undefined && tls.alpn.length > 0) o.client_alpns = [...tls.alpn];
    out.tls = o;
  }
  const client = apps.orig?.ssh;
  const server = apps.resp?.ssh;
  if (client !== undefined || server !== undefined) {
    const o: Record<string, unknown> = {};
    if (client !== undefined) {
      o.client = { proto_version: client.proto_version, software_version: client.software };
    }
    if (server !== undefined) {
      o.server = { proto_version: server.proto_version, software_version: server.software };
    }
    out.ssh = o;
  }
  const dns = apps.orig?.dns;
  if (dns !== undefined) {
    // Suricata's DNS v3 form of a request.
    out.dns = {
      version: 3,
      type: "request",
      id: dns.id,
      queries: [{ rrname: dns.rrname, rrtype: dns.rrtype }],
    };
  }
}

/**
 * `Host` header value -> Suricata's `hostname` and `http_port`: the port is
 * split off when the value ends in `:digits` (after `]` for an IPv6
 * literal); brackets of an IPv6 literal are removed.
 */
function splitHost(host: string): [string, number | undefined] {
  let name = host;
  let port: number | undefined;
  const m = /^(\[[^\]]*\]|[^:]*):(\d{1,5})$/.exec(host);
  if (m !== null) {
    const n = Number(m[2]);
    if (n <= 65535) {
      name = m[1];
      port = n;
    }
  }
  if (name.startsWith("[") && name.endsWith("]")) name = name.slice(1, -1);
  return [name, port];
}
