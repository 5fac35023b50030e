// The pcap format, read back by the real tshark: every captured byte where it
// belongs, valid checksums, a clean TCP analysis for complete streams, and the
// gaps (capture window, dropped events) shown as missing data.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ConnCloseEvent,
  listen,
  type MonitorEvent,
  PcapFormat,
  type PcapFormatOptions,
} from "sockscope";
import { concat, connect, eventually, pseudoRandomBytes, within } from "../_helpers/client.ts";

const TSHARK = "tshark";
const noTshark: string | undefined = (() => {
  const r = spawnSync(TSHARK, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? undefined : "tshark is not installed (apt-get install tshark)";
})();

const dir = mkdtempSync(join(tmpdir(), "sockscope-pcap-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Encodes `events` (header first) into a new file; returns its path and the format. */
function writePcap(
  events: MonitorEvent[],
  options: PcapFormatOptions = {},
): { path: string; pcap: PcapFormat; bytes: Uint8Array } {
  const pcap = new PcapFormat(options);
  const parts: Uint8Array[] = [pcap.header(0, 0)];
  for (const ev of events) {
    const out = pcap.encode(ev);
    if (out !== undefined) parts.push(out);
  }
  const bytes = concat(parts);
  const path = join(dir, `${files++}.pcap`);
  writeFileSync(path, bytes);
  return { path, pcap, bytes };
}

/** tshark's own warning when run as root (as in CI), not about the file. */
const ROOT_WARNING = /^Running as user "root" and group "root"\. This could be dangerous\.\n?/m;

function tshark(
  path: string,
  ...args: string[]
): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(TSHARK, ["-r", path, ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.replace(ROOT_WARNING, "") };
}

/** One row of fields per packet (`-T fields`). */
function fields(path: string, names: string[], filter?: string, ...opts: string[]): string[][] {
  const args = [...opts, "-T", "fields", ...names.flatMap((n) => ["-e", n])];
  if (filter !== undefined) args.push("-Y", filter);
  const r = tshark(path, ...args);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\n").filter((l) => l !== "").map((l) => l.split("\t"));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function unhex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The bytes each side sent in TCP stream `stream`, as `tshark -qz follow,tcp,raw` shows them. */
function follow(
  path: string,
  stream: number,
): { node0: string; orig: Uint8Array; resp: Uint8Array } {
  const r = tshark(path, "-qz", `follow,tcp,raw,${stream}`);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split("\n");
  const node0 = lines.find((l) => l.startsWith("Node 0: "))?.slice(8) ?? "";
  const start = lines.findIndex((l) => l.startsWith("Node 1: ")) + 1;
  const orig: Uint8Array[] = [];
  const resp: Uint8Array[] = [];
  for (const line of lines.slice(start)) {
    if (line.startsWith("====")) break;
    // Node 1's data is indented by a tab.
    if (line.startsWith("\t")) resp.push(unhex(line.slice(1)));
    else if (line !== "") orig.push(unhex(line));
  }
  return { node0, orig: concat(orig), resp: concat(resp) };
}

const BASE_MS = Date.UTC(2026, 10, 26, 10, 0, 0);
const iso = (ms: number) => new Date(BASE_MS + ms).toISOString();

interface SessionSpec {
  uid: string;
  src: string | null;
  sport: number | null;
  dst?: string;
  dport?: number;
  /** What each side sent, in order. */
  chunks: ["orig" | "resp", Uint8Array][];
  /** Bytes captured per direction (the monitor's capture window). */
  capture?: number;
  /** Indexes of chunks whose conn.data event is lost. */
  drop?: number[];
  close?: Partial<ConnCloseEvent>;
  /** Milliseconds after BASE_MS of the conn.open. */
  at?: number;
}

/** The events the monitor would emit for one TCP connection. */
function session(s: SessionSpec): MonitorEvent[] {
  const flow = {
    uid: s.uid,
    proto: "tcp" as const,
    src: s.src,
    sport: s.sport,
    dst: s.dst ?? "10.0.0.2",
    dport: s.dport ?? 8000,
  };
  let ms = s.at ?? 0;
  const events: MonitorEvent[] = [{ ts: iso(ms), type: "conn.open", ...flow }];
  const sent = { orig: 0, resp: 0 };
  s.chunks.forEach(([dir, data], i) => {
    const offset = sent[dir];
    sent[dir] += data.byteLength;
    const take = Math.max(0, Math.min(data.byteLength, (s.capture ?? Infinity) - offset));
    ms += 3;
    if (take === 0 || s.drop?.includes(i)) return;
    events.push({
      ts: iso(ms),
      type: "conn.data",
      uid: s.uid,
      dir,
      offset,
      len: take,
      data: data.subarray(0, take),
    });
  });
  events.push({
    ts: iso(ms + 5),
    type: "conn.close",
    ...flow,
    reason: "fin",
    duration: (ms + 5 - (s.at ?? 0)) / 1000,
    orig_bytes: sent.orig,
    resp_bytes: sent.resp,
    start: iso(s.at ?? 0),
    orig_end: "fin",
    resp_end: "fin",
    first_end: "orig",
    ...s.close,
  });
  return events;
}

/** What one side sent in total. */
function sentBy(s: SessionSpec, dir: "orig" | "resp"): Uint8Array {
  return concat(s.chunks.filter(([d]) => d === dir).map(([, data]) => data));
}

/** Every byte value, shuffled among random bytes. */
function allByteValues(): Uint8Array {
  const out = new Uint8Array(512);
  for (let i = 0; i < 256; i++) out[i] = i;
  out.set(pseudoRandomBytes(256, 99), 256);
  return out;
}

function chatty(uid: string, src: string, dst: string, sport: number): SessionSpec {
  return {
    uid,
    src,
    sport,
    dst,
    chunks: [
      ["resp", pseudoRandomBytes(17, 1)], // a banner
      ["orig", allByteValues()],
      ["orig", pseudoRandomBytes(5000, 2)], // more than one MSS: split
      ["resp", pseudoRandomBytes(1, 3)],
      ["resp", pseudoRandomBytes(3000, 4)],
      ["orig", new Uint8Array([0, 0, 0])],
      ["resp", pseudoRandomBytes(70_000, 5)], // more than the 64 KiB window
    ],
  };
}

/** Streams' expert sections (`-qz expert`) by severity. */
function expertSeverities(path: string): string[] {
  const r = tshark(path, "-qz", "expert");
  assert.equal(r.status, 0, r.stderr);
  return [...r.stdout.matchAll(/^(Errors|Warns|Notes|Chats) \(\d+\)$/gm)].map((m) => m[1]);
}

test("TCP sessions over IPv4 and IPv6 read back byte-exact in tshark, with a clean analysis", (t) => {
  if (noTshark) return t.skip(noTshark);
  const v4 = chatty("CV4AAAAAAAAAAAAAAA", "10.0.0.1", "10.0.0.2", 40000);
  const v6 = chatty("CV6AAAAAAAAAAAAAAA", "2001:db8::1", "2001:db8::2", 40001);
  v6.close = { first_end: "resp" };
  const { path } = writePcap([...session(v4), ...session(v6)]);

  const plain = tshark(path);
  assert.equal(plain.status, 0);
  assert.equal(plain.stderr, "");
  const flagged = tshark(path, "-Y", "tcp.analysis.flags");
  assert.equal(flagged.status, 0, flagged.stderr);
  assert.equal(flagged.stdout, "", "tshark's TCP analysis flags packets");
  assert.deepEqual(expertSeverities(path), ["Notes", "Chats"]);

  for (
    const [stream, spec, node0] of [[0, v4, "10.0.0.1:40000"], [
      1,
      v6,
      "[2001:db8::1]:40001",
    ]] as const
  ) {
    const got = follow(path, stream);
    assert.equal(got.node0, node0);
    assert.deepEqual(got.orig, sentBy(spec, "orig"), `stream ${stream}: bytes from the originator`);
    assert.deepEqual(got.resp, sentBy(spec, "resp"), `stream ${stream}: bytes from the responder`);
  }

  // Segments are at most one MSS (and big chunks were split into full ones).
  const lens = fields(path, ["tcp.stream", "tcp.len"]).map(([s, n]) => [Number(s), Number(n)]);
  const max = (s: number) => Math.max(...lens.filter(([st]) => st === s).map(([, n]) => n));
  assert.equal(max(0), 1460);
  assert.equal(max(1), 1440);

  // Never more unacknowledged bytes than the receiver's window (65535, unscaled) allows.
  const inFlight = fields(path, ["tcp.analysis.bytes_in_flight"]).map(([n]) => Number(n || 0));
  assert.ok(Math.max(...inFlight) <= 65535, `bytes in flight: ${Math.max(...inFlight)}`);

  // The FINs count the exact bytes (relative sequence numbers start at 1).
  const fins = fields(path, ["tcp.stream", "tcp.srcport", "tcp.seq"], "tcp.flags.fin==1");
  assert.deepEqual(fins, [
    ["0", "40000", String(sentBy(v4, "orig").length + 1)],
    ["0", "8000", String(sentBy(v4, "resp").length + 1)],
    ["1", "8000", String(sentBy(v6, "resp").length + 1)],
    ["1", "40001", String(sentBy(v6, "orig").length + 1)],
  ]);
});

test("IP, TCP and UDP checksums verify in tshark (and a corrupted byte is caught)", (t) => {
  if (noTshark) return t.skip(noTshark);
  const udp = (src: string, dst: string, data: Uint8Array, dir: "orig" | "resp"): MonitorEvent => ({
    ts: iso(50),
    type: "udp.datagram",
    uid: "CUDPAAAAAAAAAAAAAA",
    dir,
    proto: "udp",
    src,
    sport: 41000,
    dst,
    dport: 7000,
    len: data.byteLength,
    data,
  });
  const events = [
    ...session(chatty("CV4AAAAAAAAAAAAAAA", "10.0.0.1", "10.0.0.2", 40000)),
    ...session(chatty("CV6AAAAAAAAAAAAAAA", "2001:db8::1", "2001:db8::2", 40001)),
    udp("10.0.0.1", "10.0.0.2", allByteValues(), "orig"),
    udp("10.0.0.1", "10.0.0.2", pseudoRandomBytes(33, 8), "resp"), // odd length
    udp("2001:db8::1", "2001:db8::2", allByteValues(), "orig"),
    udp("2001:db8::1", "2001:db8::2", new Uint8Array(0), "resp"),
  ];
  const { path, bytes, pcap } = writePcap(events);
  const checks = [
    "-o",
    "ip.check_checksum:TRUE",
    "-o",
    "tcp.check_checksum:TRUE",
    "-o",
    "udp.check_checksum:TRUE",
  ];
  const names = [
    "frame.number",
    "ip.checksum.status",
    "tcp.checksum.status",
    "udp.checksum.status",
  ];
  // tshark 4.0's checksum status values: 0 Bad, 1 Good, 2 Unverified, 3 Not present.
  const rows = fields(path, names, undefined, ...checks);
  assert.equal(rows.length, pcap.packetsWritten);
  let checked = 0;
  for (const [frame, ...statuses] of rows) {
    for (const status of statuses) {
      if (status === "") continue; // no IPv4 header checksum in IPv6
      assert.equal(status, "1", `frame ${frame}: checksum status ${status}`);
      checked++;
    }
  }
  assert.ok(checked > rows.length, "IPv4 packets have two checksums each");

  // One flipped payload bit: tshark must now call that packet's checksum bad. The last
  // record is the empty IPv6 datagram (16 + 14 + 40 + 8 bytes); the byte before it ends
  // the payload of the datagram before.
  const corrupt = join(dir, "corrupt.pcap");
  const flipped = bytes.slice();
  flipped[flipped.length - 78 - 1] ^= 0x01;
  writeFileSync(corrupt, flipped);
  const bad = fields(corrupt, names, "udp.checksum.status==0 || tcp.checksum.status==0", ...checks);
  assert.equal(bad.length, 1, "exactly the corrupted packet fails its checksum");
});

/** Each stream's end: the flags and relative seq/ack of its packets after the last data. */
function endings(path: string): Map<string, string[]> {
  const rows = fields(path, ["tcp.stream", "tcp.srcport", "tcp.flags.str", "tcp.seq", "tcp.ack"]);
  const out = new Map<string, string[]>();
  for (const [stream, sport, flags, seq, ack] of rows) {
    const list = out.get(stream) ?? [];
    // Named from the sender's side: c (client, the originator) or s (server).
    const who = sport === "8000" ? "s" : "c";
    const name = flags.includes("R") ? "RST" : flags.includes("F") ? "FIN" : "ACK";
    list.push(`${who} ${name} ${seq}/${ack}`);
    out.set(stream, list);
  }
  return out;
}

test("connections end as recorded: FIN or RST per side, in the order the sides ended", (t) => {
  if (noTshark) return t.skip(noTshark);
  const chunks: SessionSpec["chunks"] = [
    ["orig", pseudoRandomBytes(10, 1)],
    ["resp", pseudoRandomBytes(20, 2)],
  ];
  const cases: [Partial<ConnCloseEvent>, string[]][] = [
    // Client half-closes first, server follows, client acknowledges.
    [{ orig_end: "fin", resp_end: "fin", first_end: "orig" }, [
      "c FIN 11/21",
      "s FIN 21/12",
      "c ACK 12/22",
    ]],
    // Server closes first.
    [{ orig_end: "fin", resp_end: "fin", first_end: "resp" }, [
      "s FIN 21/11",
      "c FIN 11/22",
      "s ACK 22/12",
    ]],
    // Client resets.
    [{ orig_end: "rst", resp_end: null, first_end: "orig" }, ["c RST 11/21"]],
    // Client half-closes, then the server resets.
    [{ orig_end: "fin", resp_end: "rst", first_end: "orig" }, ["c FIN 11/21", "s RST 21/12"]],
    // Server resets first (and the client never ended).
    [{ orig_end: null, resp_end: "rst", first_end: "resp" }, ["s RST 21/11"]],
    // Client half-closes; the server never closes, its kernel still acknowledges.
    [{ orig_end: "fin", resp_end: null, first_end: "orig" }, ["c FIN 11/21", "s ACK 21/12"]],
  ];
  const events = cases.flatMap(([close], i) =>
    session({ uid: `CEND${i}AAAAAAAAAAAAA`, src: "10.0.0.1", sport: 41000 + i, chunks, close })
  );
  const { path } = writePcap(events);
  const ends = endings(path);
  cases.forEach(([, want], i) => {
    const got = ends.get(String(i))!;
    // The last data exchange ends with the client's ACK of the server's 20 bytes.
    const tail = got.slice(got.lastIndexOf("c ACK 11/21") + 1);
    assert.deepEqual(tail, want, `case ${i}`);
  });
  assert.equal(tshark(path, "-Y", "tcp.analysis.flags").stdout, "");
  // Resets are warnings in tshark's expert info; nothing else is.
  const warns = tshark(path, "-qz", "expert").stdout.split("Notes (")[0];
  assert.match(warns, /^\s+3\s+Sequence\s+TCP\s+Connection reset \(RST\)$/m);
  assert.doesNotMatch(warns, /^Errors/m);
  assert.equal(warns.match(/^\s+\d+\s+\S+\s+\S+\s+/gm)?.length, 1, warns);
});

test("bytes past the capture window or of a lost event are missing data in tshark, not made up", (t) => {
  if (noTshark) return t.skip(noTshark);
  const cut: SessionSpec = {
    uid: "CCUTAAAAAAAAAAAAAA",
    src: "10.0.0.1",
    sport: 42000,
    capture: 4096,
    chunks: [
      ["orig", pseudoRandomBytes(3000, 1)],
      ["orig", pseudoRandomBytes(3000, 2)], // cut at 4096: 1096 captured
      ["resp", pseudoRandomBytes(100, 3)],
      ["orig", pseudoRandomBytes(500, 4)], // not captured at all
    ],
  };
  const lost: SessionSpec = {
    uid: "CLOSTAAAAAAAAAAAAA",
    src: "10.0.0.1",
    sport: 42001,
    at: 100,
    chunks: [
      ["orig", new TextEncoder().encode("AAAA")],
      ["orig", new TextEncoder().encode("BBBBB")], // its conn.data is dropped
      ["orig", new TextEncoder().encode("CCCC")],
      ["resp", new TextEncoder().encode("ok")],
    ],
    drop: [1],
  };
  // A reset after the cut: tshark looks for no gap before a RST, so a bare ACK shows it.
  const reset: SessionSpec = {
    uid: "CRSTCUTAAAAAAAAAAA",
    src: "10.0.0.1",
    sport: 42002,
    at: 200,
    capture: 10,
    chunks: [["orig", pseudoRandomBytes(30, 5)]],
    close: { orig_end: "rst", resp_end: null, first_end: "orig" },
  };
  const { path } = writePcap([...session(cut), ...session(lost), ...session(reset)]);
  assert.equal(tshark(path).stderr, "");

  // The window: the first 4096 bytes are there, then the FIN jumps to the exact count.
  const got = follow(path, 0);
  assert.deepEqual(got.orig, sentBy(cut, "orig").subarray(0, 4096));
  assert.deepEqual(got.resp, sentBy(cut, "resp"));
  const gaps = fields(
    path,
    ["tcp.stream", "tcp.srcport", "tcp.flags.str", "tcp.seq"],
    "tcp.analysis.lost_segment",
  );
  assert.deepEqual(gaps, [
    ["0", "42000", "·······A···F", "6501"], // 6500 bytes sent: FIN at 6501
    ["1", "42001", "·······AP···", "10"], // "CCCC" after the 5 lost bytes
    ["2", "42002", "·······A····", "31"], // then the RST, at the same number
  ]);
  assert.deepEqual(endings(path).get("2")!.slice(-2), ["c ACK 31/1", "c RST 31/1"]);
  const expert = tshark(path, "-qz", "expert").stdout;
  assert.match(expert, /Previous segment\(s\) not captured/);

  // The lost event: follow marks the hole where it was.
  const mid = follow(path, 1);
  assert.equal(new TextDecoder().decode(mid.orig), "AAAA[5 bytes missing in capture file]\0CCCC");
});

test("UDP datagrams become UDP packets; a datagram longer than captured is a snapped packet", (t) => {
  if (noTshark) return t.skip(noTshark);
  const flow = { uid: "CUDPAAAAAAAAAAAAAA", proto: "udp" as const, sport: 41000, dport: 7000 };
  const long = pseudoRandomBytes(9000, 6);
  const events: MonitorEvent[] = [
    { ts: iso(0), type: "conn.open", ...flow, src: "10.0.0.1", dst: "10.0.0.2" },
    {
      ts: iso(1),
      type: "udp.datagram",
      dir: "orig",
      ...flow,
      src: "10.0.0.1",
      dst: "10.0.0.2",
      len: 5,
      data: new Uint8Array([1, 2, 3, 0, 255]),
    },
    {
      ts: iso(2),
      type: "udp.datagram",
      dir: "resp",
      ...flow,
      src: "10.0.0.1",
      dst: "10.0.0.2",
      len: 2,
      data: new Uint8Array([9, 9]),
    },
    {
      ts: iso(3),
      type: "udp.datagram",
      dir: "orig",
      ...flow,
      src: "10.0.0.1",
      dst: "10.0.0.2",
      len: 9000,
      data: long.subarray(0, 4096),
    },
    {
      ts: iso(4),
      type: "udp.datagram",
      dir: "orig",
      ...flow,
      src: "2001:db8::1",
      dst: "2001:db8::2",
      len: 9000,
      data: long.subarray(0, 4096),
    },
    {
      ts: iso(5),
      type: "conn.close",
      ...flow,
      src: "10.0.0.1",
      dst: "10.0.0.2",
      reason: "idle-timeout",
      duration: 0.005,
      orig_bytes: 18005,
      resp_bytes: 2,
      start: iso(0),
      orig_end: null,
      resp_end: null,
      first_end: null,
      orig_pkts: 3,
      resp_pkts: 1,
    },
  ];
  const { path, pcap } = writePcap(events);
  assert.equal(pcap.packetsWritten, 4);
  const r = tshark(path);
  assert.equal(r.status, 0);
  assert.equal(r.stderr, "");
  const rows = fields(path, [
    "frame.time_epoch",
    "ip.src",
    "ipv6.src",
    "udp.srcport",
    "udp.dstport",
    "frame.len",
    "frame.cap_len",
    "udp.length",
    "udp.payload",
  ]);
  // Event times to the millisecond, as pcap's microseconds.
  const s = (ms: number) =>
    `${(BASE_MS + ms - ms % 1000) / 1000}.${String(ms % 1000).padStart(3, "0")}000000`;
  assert.deepEqual(rows, [
    [s(1), "10.0.0.1", "", "41000", "7000", "47", "47", "13", "01020300ff"],
    [s(2), "10.0.0.2", "", "7000", "41000", "44", "44", "10", "0909"],
    // Full length on the wire (orig_len), 4096 bytes in the file (incl_len).
    [s(3), "10.0.0.1", "", "41000", "7000", "9042", "4138", "9008", hex(long.subarray(0, 4096))],
    [s(4), "", "2001:db8::1", "41000", "7000", "9062", "4158", "9008", hex(long.subarray(0, 4096))],
  ]);
});

test("a connection whose peer is unknown is left out and counted, never given an address", (t) => {
  const known = session({ uid: "CKNOWNAAAAAAAAAAAA", src: "10.0.0.1", sport: 43000, chunks: [] });
  const unknown = session({
    uid: "CUNKNOWNAAAAAAAAAA",
    src: null,
    sport: null,
    dst: "0.0.0.0",
    chunks: [],
    close: { reason: "rst", orig_end: "rst", resp_end: null, first_end: "orig" },
  });
  const pcap = new PcapFormat();
  pcap.header(0, 0);
  for (const ev of unknown) assert.equal(pcap.encode(ev), undefined, ev.type);
  assert.equal(pcap.skippedUnknownPeer, 1);
  const { path, pcap: both } = writePcap([...unknown, ...known]);
  assert.equal(both.skippedUnknownPeer, 1);
  // The rest reads the file back.
  if (noTshark) return t.skip(noTshark);
  const hosts = fields(path, ["ip.src", "ip.dst"]).flat();
  assert.deepEqual([...new Set(hosts)].sort(), ["10.0.0.1", "10.0.0.2"]);
});

test("mixed address families become IPv6 with the IPv4 end mapped; a non-IP address is skipped", (t) => {
  const mixed = session({
    uid: "CMIXEDAAAAAAAAAAAA",
    src: "192.0.2.1",
    sport: 48000,
    dst: "2001:db8::2",
    chunks: [["orig", pseudoRandomBytes(10, 1)]],
  });
  const bad = session({ uid: "CBADAAAAAAAAAAAAAA", src: "nowhere", sport: 48001, chunks: [] });
  const { path, pcap } = writePcap([...mixed, ...bad]);
  assert.equal(pcap.skippedBadAddress, 1);
  assert.equal(pcap.skippedUnknownPeer, 0);
  if (noTshark) return t.skip(noTshark);
  const rows = fields(path, ["ipv6.src", "ipv6.dst"], "tcp.flags.syn==1 && tcp.flags.ack==0");
  assert.deepEqual(rows, [["::ffff:192.0.2.1", "2001:db8::2"]]);
  assert.equal(tshark(path, "-Y", "tcp.analysis.flags").stdout, "");
});

test("--pcap-max-bytes: packets past the cap are counted, not written, and the file stays valid", (t) => {
  const events = session(chatty("CCAPAAAAAAAAAAAAAA", "10.0.0.1", "10.0.0.2", 44000));
  const full = writePcap(events);
  const maxBytes = 20_000;
  const capped = writePcap(events, { maxBytes });
  assert.ok(capped.bytes.length <= maxBytes);
  assert.ok(capped.bytes.length > maxBytes - 1600, "filled up to the cap");
  assert.equal(
    capped.pcap.packetsWritten + capped.pcap.packetsOverCap,
    full.pcap.packetsWritten,
  );
  assert.ok(capped.pcap.packetsOverCap > 0);
  assert.equal(capped.pcap.bytesOverCap, full.bytes.length - capped.bytes.length);
  // The capped file is the start of the full one: whole records, nothing after the cut.
  assert.deepEqual(capped.bytes, full.bytes.subarray(0, capped.bytes.length));
  // The rest reads the file back.
  if (noTshark) return t.skip(noTshark);
  const r = tshark(capped.path);
  assert.equal(r.status, 0);
  assert.equal(r.stderr, "");
  assert.equal(r.stdout.trim().split("\n").length, capped.pcap.packetsWritten);
});

test("appending: no second header, the cap counts the existing bytes, a stub file is refused", (t) => {
  const first = writePcap(session({
    uid: "CFIRSTAAAAAAAAAAAA",
    src: "10.0.0.1",
    sport: 45000,
    chunks: [["orig", pseudoRandomBytes(100, 1)]],
  }));
  const second = new PcapFormat({ maxBytes: first.bytes.length + 16 + 58 });
  assert.deepEqual(second.header(0, first.bytes.length), new Uint8Array(0));
  const parts = [first.bytes];
  for (
    const ev of session({
      uid: "CSECONDAAAAAAAAAAA",
      src: "10.0.0.1",
      sport: 45001,
      chunks: [],
      at: 50,
    })
  ) {
    const out = second.encode(ev);
    if (out) parts.push(out);
  }
  // Room for the SYN only.
  assert.equal(second.packetsWritten, 1);
  assert.equal(second.packetsOverCap, 2 + 3); // SYN-ACK, ACK; FIN, FIN, ACK
  for (const size of [1, 23]) {
    assert.throws(
      () => new PcapFormat().header(0, size),
      (e: unknown) => e instanceof TypeError && e.message.includes(`pcap file of ${size} bytes`),
    );
  }
  assert.throws(() => new PcapFormat({ maxBytes: 0 }), RangeError);
  // The rest reads the file back.
  if (noTshark) return t.skip(noTshark);
  const path = join(dir, "appended.pcap");
  writeFileSync(path, concat(parts));
  const r = tshark(path);
  assert.equal(r.status, 0);
  assert.equal(r.stderr, "");
  assert.equal(r.stdout.trim().split("\n").length, first.pcap.packetsWritten + 1);
});

test("a reopen (log rotation) starts a new file: a header again, and the cap afresh", () => {
  // Room for the header and three 54-byte packets (16 + 54 each).
  const pcap = new PcapFormat({ maxBytes: 24 + 3 * 70 });
  pcap.header(0, 0);
  const events = session({ uid: "CROTATEAAAAAAAAAAA", src: "10.0.0.1", sport: 47000, chunks: [] });
  // SYN and SYN-ACK (58 bytes each, with the MSS option) fit, the ACK not.
  assert.equal(pcap.encode(events[0])?.length, 2 * (16 + 58));
  assert.equal(pcap.packetsOverCap, 1);
  assert.equal(pcap.header(0, 0).length, 24);
  assert.equal(pcap.encode(events[1])?.length, 3 * 70, "FIN, FIN, ACK in the new file");
  assert.equal(pcap.packetsOverCap, 1);
});

test("the same events give the same file; ISNs differ between connections", () => {
  const a = writePcap(session(chatty("CSAMEAAAAAAAAAAAAA", "10.0.0.1", "10.0.0.2", 46000)));
  const b = writePcap(session(chatty("CSAMEAAAAAAAAAAAAA", "10.0.0.1", "10.0.0.2", 46000)));
  const c = writePcap(session(chatty("COTHERAAAAAAAAAAAA", "10.0.0.1", "10.0.0.2", 46000)));
  assert.deepEqual(a.bytes, b.bytes);
  // The SYN's sequence number: record 16 + Ethernet 14 + IPv4 20 + ports 4 into the packet.
  const isn = (bytes: Uint8Array) => hex(bytes.subarray(24 + 54, 24 + 58));
  assert.notEqual(isn(a.bytes), isn(c.bytes));
});

test("end to end: a real monitor's events as a pcap that tshark follows byte for byte", async (t) => {
  if (noTshark) return t.skip(noTshark);
  const banner = pseudoRandomBytes(300, 7);
  const monitor = await listen({ ports: [0], captureBytes: 8192, banner });
  const events: MonitorEvent[] = [];
  monitor.subscribe((ev) => events.push(ev), { data: true });
  const port = monitor.addresses.find((a) => a.proto === "tcp")!.port;
  const small = [pseudoRandomBytes(100, 1), pseudoRandomBytes(6000, 2), allByteValues()];
  const big = pseudoRandomBytes(12_000, 3);
  const clients: { port: number; received: Uint8Array }[] = [];
  try {
    for (const sends of [small, [big]]) {
      const client = await connect(port);
      for (const chunk of sends) await client.write(chunk);
      client.end();
      await within(client.closed, 5000, "the monitor to close the connection");
      clients.push({ port: client.localPort, received: client.received() });
    }
    await eventually(
      () => events.filter((e) => e.type === "conn.close").length === 2,
      5000,
      "2 conn.close",
    );
  } finally {
    await monitor.close();
  }
  for (const c of clients) assert.deepEqual(c.received, banner);
  const { path } = writePcap(events);
  assert.equal(tshark(path).stderr, "");
  const streams = new Map(
    fields(path, ["tcp.srcport", "tcp.stream"], "tcp.flags.syn==1 && tcp.flags.ack==0")
      .map(([p, s]) => [Number(p), Number(s)]),
  );
  const smallFlow = follow(path, streams.get(clients[0].port)!);
  assert.deepEqual(smallFlow.orig, concat(small));
  assert.deepEqual(smallFlow.resp, banner);
  const bigFlow = follow(path, streams.get(clients[1].port)!);
  assert.deepEqual(bigFlow.orig, big.subarray(0, 8192), "the capture window");
  assert.deepEqual(bigFlow.resp, banner);
  // Only the big client's cut shows in the analysis: at its FIN, at the exact byte count.
  const flagged = fields(
    path,
    ["tcp.srcport", "tcp.flags.fin", "tcp.seq"],
    "tcp.analysis.flags && tcp.analysis.lost_segment",
  );
  assert.deepEqual(flagged, [[String(clients[1].port), "1", "12001"]]);
  const smallStream = streams.get(clients[0].port)!;
  assert.equal(tshark(path, "-Y", `tcp.stream==${smallStream} && tcp.analysis.flags`).stdout, "");
});
