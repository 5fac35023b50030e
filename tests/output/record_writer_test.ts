// The record writer puts any file format in a file as robustly as the NDJSON
// log: each file gets the format's header once, before its first record (at
// start, again after a reopen, and only once when the first write fails and
// is retried), and the footer at the end; failed writes never tear or
// duplicate a record; every event is encoded once; drops are counted by cause.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type MonitorEvent,
  type OutageEnd,
  type RecordFormat,
  RecordWriter,
  type Sink,
  ZeekConnFormat,
} from "sockscope";
import { loadPlatform } from "../../src/runtime/platform.ts";
import { eventually, within } from "../_helpers/client.ts";
import { coded, flakySink } from "../_helpers/sinks.ts";
import { mountTmpfs } from "../_helpers/tmpfs.ts";
import { numberedFlow, numberedOpen, numberedUid } from "../_helpers/events.ts";

const ts = "2026-11-26T00:00:00.000Z";
const uid = numberedUid;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

const open = (i: number): MonitorEvent => numberedOpen(i);

function close(i: number, extra: Partial<Record<string, unknown>> = {}): MonitorEvent {
  return {
    ts: "2026-11-26T00:00:01.000Z",
    type: "conn.close",
    ...numberedFlow(i),
    reason: "fin",
    duration: 1,
    orig_bytes: 10,
    resp_bytes: 20,
    start: ts,
    orig_end: "fin",
    resp_end: "fin",
    first_end: "orig",
    ...extra,
  } as MonitorEvent;
}

function data(i: number, n: number): MonitorEvent {
  return {
    ts,
    type: "conn.data",
    uid: uid(i),
    dir: "orig",
    offset: 0,
    len: n,
    data: new Uint8Array(n),
  };
}

/**
 * A line format that records what the writer asks of it: `H <existing>` to
 * start a file, one `<uid>` line per `conn.open` (and `data <uid>` per
 * `conn.data` when it wants data), `END` to finish.
 */
function lineFormat(wantsData = false) {
  const calls = { headers: [] as number[], encoded: [] as string[], footers: 0 };
  const format: RecordFormat = {
    name: "lines",
    wantsData,
    header(_now, existing) {
      calls.headers.push(existing);
      return `H ${existing}\n`;
    },
    encode(ev) {
      if (ev.type === "conn.open") {
        calls.encoded.push(ev.uid);
        return `${ev.uid}\n`;
      }
      if (ev.type === "conn.data") return `data ${ev.uid}\n`;
      return undefined;
    },
    footer() {
      calls.footers++;
      return "END\n";
    },
  };
  return { format, calls };
}

test("the header comes once, before the first record; the footer after the last, on close", async () => {
  const { format, calls } = lineFormat();
  const sink = flakySink(() => undefined);
  const log = new RecordWriter(sink, format);
  for (const i of range(0, 3)) log.handle(open(i));
  await log.flush();
  for (const i of range(3, 6)) log.handle(open(i));
  await log.flush();
  log.handle(open(6));
  await log.close();
  assert.equal(sink.files[0], ["H 0", ...range(0, 7).map(uid), "END", ""].join("\n"));
  assert.deepEqual(calls.headers, [0]);
  assert.equal(calls.footers, 1);
  assert.equal(log.written, 7);
  assert.equal(log.dropped, 0);
  assert.ok(sink.closed);
});

test("records counts the lines in the sink; written counts every event, those the format writes nothing for included", async () => {
  const { format } = lineFormat(); // a line per conn.open, nothing for conn.close
  const sink = flakySink(() => undefined);
  const log = new RecordWriter(sink, format);
  for (const i of range(0, 4)) {
    log.handle(open(i));
    log.handle(close(i));
  }
  await log.flush();
  log.handle(close(4));
  await log.close();
  assert.equal(sink.files[0], ["H 0", ...range(0, 4).map(uid), "END", ""].join("\n"));
  assert.equal(log.written, 9);
  assert.equal(log.records, 4, "the four uid lines; header and footer are not records");
});

test("appending to a file that has content: the header is told its size", async () => {
  const { format, calls } = lineFormat();
  const sink = flakySink(() => undefined, "earlier run\n");
  const log = new RecordWriter(sink, format);
  log.handle(open(0));
  await log.close();
  assert.deepEqual(calls.headers, [12]);
  assert.equal(sink.files[0], `earlier run\nH 12\n${uid(0)}\nEND\n`);
});

test("with the runtime's file sink the header is told the real file's size", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-record-"));
  try {
    const path = join(dir, "conn.log");
    writeFileSync(path, "0123456789");
    const { format, calls } = lineFormat();
    const platform = await loadPlatform();
    const log = new RecordWriter(await platform.openAppend(path), format);
    log.handle(open(0));
    await log.close();
    assert.deepEqual(calls.headers, [10]);
    assert.equal(readFileSync(path, "utf8"), `0123456789H 10\n${uid(0)}\nEND\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a log closed before any record is still a whole file: header and footer", async () => {
  const { format } = lineFormat();
  const sink = flakySink(() => undefined);
  const log = new RecordWriter(sink, format);
  await log.close();
  assert.equal(sink.files[0], "H 0\nEND\n");
});

test("reopen: the old file gets its footer, the new one its own header, nothing lost or misplaced", async () => {
  const { format, calls } = lineFormat();
  const sink = flakySink(() => undefined);
  const log = new RecordWriter(sink, format);
  log.handle(open(0));
  log.handle(open(1));
  await log.flush();
  const reopened = log.reopen();
  log.handle(open(2)); // queued during the reopen: belongs in the new file
  assert.equal(await reopened, true);
  log.handle(open(3));
  await log.close();
  assert.equal(sink.files[0], `H 0\n${uid(0)}\n${uid(1)}\nEND\n`);
  assert.equal(sink.files[1], `H 0\n${uid(2)}\n${uid(3)}\nEND\n`);
  assert.deepEqual(calls.headers, [0, 0]);
  assert.equal(log.written, 4);
});

test("a failing first write (ENOSPC): retried until it works, with the header written exactly once", async () => {
  const { format, calls } = lineFormat();
  const sink = flakySink((n) => (n <= 3 ? coded("ENOSPC", "no space left on device") : undefined));
  const outages: string[] = [];
  const resumes: OutageEnd[] = [];
  const log = new RecordWriter(sink, format, {
    onOutage: (_e, cause) => outages.push(cause),
    onResume: (end) => resumes.push(end),
  });
  for (const i of range(0, 5)) log.handle(open(i));
  await eventually(() => resumes.length === 1, 10000, "the outage to end");
  await log.close();
  assert.deepEqual(outages, ["enospc"]);
  assert.equal(sink.files[0], ["H 0", ...range(0, 5).map(uid), "END", ""].join("\n"));
  assert.ok(sink.attempts > 3);
  // Asked again for each attempt (the file may have changed), written once.
  assert.ok(calls.headers.length >= 4);
  assert.equal(log.written, 5);
  assert.equal(log.dropped, 0);
});

test("each event is encoded once, however often its write is retried (stateful formats)", async () => {
  const { format, calls } = lineFormat();
  let fail = true;
  const sink = flakySink(() => (fail ? coded("EIO", "i/o error") : undefined));
  const log = new RecordWriter(sink, format);
  for (const i of range(0, 4)) log.handle(open(i));
  await eventually(() => sink.attempts >= 3, 10000, "a few failed attempts");
  fail = false;
  await eventually(() => log.outageCause === undefined, 10000, "the outage to end");
  await log.close();
  assert.deepEqual(calls.encoded, range(0, 4).map(uid));
});

test("a disk with little room: the file holds whole records only, in order, and the rest once room is made", async () => {
  // Writes that do not fit fail whole, as the runtime's file sinks make them.
  let room = 0;
  let text = "";
  const sink: Sink = {
    write(d) {
      if (d.byteLength > room) return Promise.reject(coded("ENOSPC", "no space left"));
      room -= d.byteLength;
      text += new TextDecoder().decode(d);
      return Promise.resolve();
    },
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
    size: () => Promise.resolve(text.length),
  };
  let resumed = false;
  const log = new RecordWriter(sink, new ZeekConnFormat(), { onResume: () => (resumed = true) });
  for (const i of range(0, 300)) log.handle(close(i));
  await eventually(() => log.outageCause === "enospc", 5000, "the outage to start");
  room = 8 * 1024; // the header and a part of the records
  await eventually(() => text.length > 0, 10000, "part of the backlog to be written");
  const partial = text.split("\n").slice(0, -1);
  assert.ok(text.endsWith("\n"));
  assert.equal(partial.filter((l) => l.startsWith("#fields")).length, 1);
  const records = partial.filter((l) => !l.startsWith("#"));
  for (const line of records) assert.equal(line.split("\t").length, 23, `a whole record: ${line}`);
  assert.deepEqual(records.map((l) => l.split("\t")[1]), range(0, records.length).map(uid));
  room = Infinity;
  await eventually(() => resumed, 10000, "the rest to be written");
  await log.close();
  const all = text.split("\n").slice(0, -1).filter((l) => !l.startsWith("#"));
  assert.deepEqual(all.map((l) => l.split("\t")[1]), range(0, 300).map(uid));
  assert.equal(text.match(/^#fields/gm)?.length, 1);
  assert.ok(text.endsWith("\n") && /\n#close\t[0-9-]+\n$/.test(text));
});

test("on a real full disk the conn.log is never torn: whole records, then the rest once space is freed", async (t) => {
  const fs = mountTmpfs(64);
  if (typeof fs === "string") return t.skip(fs);
  try {
    const filler = join(fs.dir, "filler");
    writeFileSync(filler, new Uint8Array(48 * 1024));
    const path = join(fs.dir, "conn.log");
    const platform = await loadPlatform();
    let resumed = false;
    const log = new RecordWriter(await platform.openAppend(path), new ZeekConnFormat(), {
      onResume: () => (resumed = true),
    });
    // About 120 bytes a record: more than the ~16 KiB left.
    for (const i of range(0, 400)) log.handle(close(i));
    await eventually(() => log.outageCause === "enospc", 10000, "the disk to fill");
    const partial = readFileSync(path, "utf8");
    assert.ok(partial === "" || partial.endsWith("\n"), "ends on a whole line");
    for (const line of partial.split("\n").slice(0, -1).filter((l) => !l.startsWith("#"))) {
      assert.equal(line.split("\t").length, 23, `a whole record: ${line}`);
    }
    rmSync(filler);
    await eventually(() => resumed, 10000, "the rest to be written");
    await log.close();
    const lines = readFileSync(path, "utf8").split("\n").slice(0, -1);
    assert.equal(lines.filter((l) => l.startsWith("#fields")).length, 1);
    const records = lines.filter((l) => !l.startsWith("#"));
    assert.deepEqual(records.map((l) => l.split("\t")[1]), range(0, 400).map(uid));
    assert.match(lines.at(-1)!, /^#close\t/);
    assert.equal(log.dropped, 0);
  } finally {
    fs.unmount();
  }
});

test("drops are counted by cause: queue-full for payload, the outage's cause past the bound, format-error", async () => {
  const { format } = lineFormat(true);
  let fail = false;
  const sink = flakySink(() => (fail ? coded("ENOSPC", "full") : undefined));
  const errors: string[] = [];
  // The bound has room for 16 of this format's records (`${uid}\n`, 19 bytes).
  const log = new RecordWriter(sink, {
    ...format,
    encode: (ev) => {
      if (ev.type === "conn.open" && ev.uid === uid(1)) throw new Error("format bug");
      return format.encode(ev);
    },
  }, { maxPendingBytes: 16 * 19, onFormatError: (e) => errors.push(e.message) });
  // Payload past the bound while the sink works: dropped as queue-full; lifecycle events kept.
  log.handle(data(0, 8000));
  log.handle(open(0));
  log.handle(open(1));
  await log.flush();
  assert.deepEqual(log.droppedByCause, { "queue-full": 1, "format-error": 1 });
  assert.deepEqual(errors, ["format bug"]);
  // An outage: 16 records fit, the rest are dropped as enospc.
  fail = true;
  log.handle(open(2));
  await eventually(() => log.outageCause === "enospc", 5000, "the outage to start");
  for (const i of range(3, 30)) log.handle(open(i));
  fail = false;
  await eventually(() => log.outageCause === undefined, 10000, "the outage to end");
  await log.close();
  assert.deepEqual(log.droppedByCause, { "queue-full": 1, "format-error": 1, enospc: 12 });
  assert.equal(log.dropped, 14);
  assert.equal(log.written, 1 + 16);
  assert.equal(sink.files[0].split("\n").filter((l) => l.startsWith("C")).length, 17);
});

test("a format that wants no payload never sees it, and nothing is counted for it", async () => {
  const { format } = lineFormat(false);
  const sink = flakySink(() => undefined);
  const log = new RecordWriter(sink, format);
  assert.equal(log.wantsData, false);
  log.handle(data(0, 100));
  log.handle(open(0));
  await log.close();
  assert.equal(sink.files[0], `H 0\n${uid(0)}\nEND\n`);
  assert.equal(log.written, 1);
  assert.equal(log.dropped, 0);
});

test("a sink gone for good (EPIPE): one fatal callback, no retry, no footer", async () => {
  const { format, calls } = lineFormat();
  const sink = flakySink(() => coded("EPIPE", "broken pipe"));
  const fatal: string[] = [];
  const log = new RecordWriter(sink, format, { onFatal: (_e, cause) => fatal.push(cause) });
  for (const i of range(0, 3)) log.handle(open(i));
  await eventually(() => fatal.length === 1, 5000, "the fatal callback");
  log.handle(open(3));
  await within(log.close(), 1000, "close after a fatal error");
  assert.deepEqual(fatal, ["epipe"]);
  assert.equal(sink.attempts, 1);
  assert.equal(calls.footers, 0);
  assert.deepEqual(log.droppedByCause, { epipe: 4 });
});

test("a header that refuses the existing file is an outage, and a reopen onto a fresh file ends it", async () => {
  const sink = flakySink(() => undefined, "not ours\n");
  const outages: string[] = [];
  const resumes: OutageEnd[] = [];
  const log = new RecordWriter(sink, {
    name: "picky",
    wantsData: false,
    header(_now, existing) {
      if (existing > 0) {
        throw new TypeError(`Invalid existing file of ${existing} bytes: expected an empty file`);
      }
      return "MAGIC\n";
    },
    encode: (ev) => (ev.type === "conn.open" ? `${ev.uid}\n` : undefined),
    footer: () => "",
  }, {
    onOutage: (e, cause) => outages.push(`${cause}: ${e.message}`),
    onResume: (end) => resumes.push(end),
  });
  log.handle(open(0));
  await eventually(() => outages.length === 1, 5000, "the outage");
  assert.deepEqual(outages, ["error: Invalid existing file of 9 bytes: expected an empty file"]);
  assert.equal(await log.reopen(), true);
  await eventually(() => resumes.length === 1, 5000, "the resume after the reopen");
  await log.close();
  assert.deepEqual(sink.files, ["not ours\n", `MAGIC\n${uid(0)}\n`]);
});
