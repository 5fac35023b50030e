// Writers survive their sink: a failing write (a full disk) starts an outage that
// retries by itself and keeps order; what does not fit meanwhile is counted by
// cause; a sink gone for good (EPIPE) stops the writer once; close never hangs;
// reopen moves the log to a new file with nothing lost or misplaced.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConsoleWriter, eventToJson, NdjsonWriter, type OutageEnd, type Sink } from "sockscope";
import { coded, flakySink } from "../_helpers/sinks.ts";
import { eventually, within } from "../_helpers/client.ts";
import { numberedOpen } from "../_helpers/events.ts";

const ts = "2026-11-26T00:00:00.000Z";
const open = numberedOpen;

function lines(text: string): { uid: string }[] {
  assert.ok(text === "" || text.endsWith("\n"), "ends on a whole line");
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

const uid = (i: number) => open(i).uid;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

test("a sink that fails with ENOSPC a few times: retried in order, the overflow counted as enospc, one outage and one resume", async () => {
  const sink = flakySink((n) => (n <= 3 ? coded("ENOSPC", "no space left on device") : undefined));
  const outages: string[] = [];
  const resumes: OutageEnd[] = [];
  // The bound holds 16 of these lines (all of one length) while the sink fails.
  const log = new NdjsonWriter(sink, {
    maxPendingBytes: 16 * (eventToJson(open(0)).length + 1),
    onOutage: (e, cause) => outages.push(`${cause}: ${e.message}`),
    onResume: (end) => resumes.push(end),
  });
  for (const i of range(0, 10)) log.handle(open(i));
  await eventually(() => log.outageCause === "enospc", 5000, "the outage to start");
  // Meanwhile: 6 more fit under the bound, the next 14 are dropped as enospc.
  for (const i of range(10, 30)) log.handle(open(i));
  assert.deepEqual(log.droppedByCause, { enospc: 14 });
  await eventually(() => resumes.length === 1, 5000, "the writes to resume");
  for (const i of range(30, 35)) log.handle(open(i));
  await within(log.close(), 5000, "close");

  assert.deepEqual(
    lines(sink.files[0]).map((e) => e.uid),
    [...range(0, 16), ...range(30, 35)].map(uid),
  );
  assert.deepEqual(outages, ["enospc: no space left on device"]);
  assert.equal(resumes[0].cause, "enospc");
  assert.equal(resumes[0].dropped, 14);
  assert.ok(resumes[0].durationMs >= 0);
  assert.equal(sink.attempts >= 4, true);
  assert.equal(log.written, 21);
  assert.equal(log.dropped, 14);
  assert.deepEqual(log.droppedByCause, { enospc: 14 });
  assert.equal(log.outageCause, undefined);
});

test("while catching up, the backlog goes in small writes, so space freed a little at a time is used", async () => {
  // A disk with room for `room` more bytes; writes that do not fit fail whole.
  let room = 0;
  let attempts = 0;
  let text = "";
  const sink: Sink = {
    write(data) {
      attempts++;
      if (data.byteLength > room) return Promise.reject(coded("ENOSPC", "no space left"));
      room -= data.byteLength;
      text += new TextDecoder().decode(data);
      return Promise.resolve();
    },
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  let resumed = false;
  const log = new NdjsonWriter(sink, { onResume: () => (resumed = true) });
  // About 260 KB of lifecycle events: more than one catch-up write (64 KiB).
  for (const i of range(0, 1000)) log.handle(open(i));
  await eventually(() => log.outageCause === "enospc", 5000, "the outage to start");
  room = 100 * 1024; // not enough for everything
  await eventually(() => text.length > 0, 10000, "part of the backlog to be written");
  assert.equal(log.outageCause, "enospc", "still failing: the rest does not fit");
  const written = lines(text).map((e) => e.uid);
  assert.deepEqual(written, range(0, written.length).map(uid), "a prefix, in order");
  room = Infinity;
  await eventually(() => resumed, 10000, "the rest to be written");
  await log.close();
  assert.deepEqual(lines(text).map((e) => e.uid), range(0, 1000).map(uid));
  assert.equal(log.dropped, 0);
  assert.ok(attempts > 2);
});

test("a sink gone for good (EPIPE) stops the writer at once: one fatal callback, no retry, no outage", async () => {
  const sink = flakySink(() => coded("EPIPE", "broken pipe"));
  const fatal: string[] = [];
  let outages = 0;
  const log = new NdjsonWriter(sink, {
    onFatal: (e, cause) => fatal.push(`${cause}: ${e.message}`),
    onOutage: () => outages++,
  });
  for (const i of range(0, 3)) log.handle(open(i));
  await eventually(() => fatal.length === 1, 5000, "the fatal callback");
  log.handle(open(3));
  await within(log.close(), 1000, "close after a fatal error");
  assert.deepEqual(fatal, ["epipe: broken pipe"]);
  assert.equal(outages, 0);
  assert.equal(sink.attempts, 1);
  assert.deepEqual(log.droppedByCause, { epipe: 4 });
  assert.ok(sink.closed);
});

test("close during an outage makes one last attempt, counts what is left under the cause, and stops retrying", async () => {
  const sink = flakySink(() => coded("EIO", "input/output error"));
  const log = new NdjsonWriter(sink);
  for (const i of range(0, 5)) log.handle(open(i));
  await eventually(() => log.outageCause === "eio", 5000, "the outage to start");
  const before = sink.attempts;
  await within(log.close(), 1000, "close during an outage");
  assert.equal(sink.attempts, before + 1, "one last attempt");
  assert.deepEqual(log.droppedByCause, { eio: 5 });
  assert.ok(sink.closed);
  // The retry timer is gone: nothing is attempted any more (watched for longer than two retries).
  const after = sink.attempts;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(sink.attempts, after);
  log.handle(open(5));
  assert.deepEqual(log.droppedByCause, { eio: 5, closed: 1 });
});

test("an error without a code is an outage too, counted as `error`", async () => {
  let fail = true;
  const sink = flakySink(() => (fail ? new Error("odd sink") : undefined));
  const resumes: OutageEnd[] = [];
  const log = new NdjsonWriter(sink, { onResume: (end) => resumes.push(end) });
  log.handle(open(0));
  await eventually(() => log.outageCause === "error", 5000, "the outage to start");
  fail = false;
  await eventually(() => resumes.length === 1, 5000, "the resume");
  await log.close();
  assert.equal(resumes[0].cause, "error");
  assert.deepEqual(lines(sink.files[0]).map((e) => e.uid), [uid(0)]);
});

test("reopen: the write under way finishes in the old file, later events go to the new one", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const files: string[] = [""];
  let writes = 0;
  const sink: Sink = {
    async write(data) {
      writes++;
      if (files.length === 1) await gate; // the first file's write is slow
      files[files.length - 1] += new TextDecoder().decode(data);
    },
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
    reopen() {
      files.push("");
      return Promise.resolve();
    },
  };
  const log = new NdjsonWriter(sink);
  log.handle(open(0));
  const flushed = log.flush();
  await eventually(() => writes === 1, 5000, "the first write to start");
  const reopened = log.reopen();
  log.handle(open(1));
  release();
  assert.equal(await within(reopened, 5000, "reopen"), true);
  await flushed;
  log.handle(open(2));
  await log.close();
  assert.deepEqual(lines(files[0]).map((e) => e.uid), [uid(0)]);
  assert.deepEqual(lines(files[1]).map((e) => e.uid), [uid(1), uid(2)]);
});

test("reopen during an outage tries the new file at once", async () => {
  const sink = flakySink(() => (sink.files.length === 1 ? coded("ENOSPC", "full") : undefined));
  const resumes: OutageEnd[] = [];
  const log = new NdjsonWriter(sink, { onResume: (end) => resumes.push(end) });
  log.handle(open(0));
  await eventually(() => log.outageCause === "enospc", 5000, "the outage to start");
  // Let the backoff grow to seconds, then rotate: the writer must not wait it out.
  await eventually(() => sink.attempts >= 5, 10000, "a few retries");
  const start = Date.now();
  assert.equal(await log.reopen(), true);
  await eventually(() => resumes.length === 1, 1000, "the resume right after the reopen");
  assert.ok(Date.now() - start < 1000);
  await log.close();
  assert.deepEqual(lines(sink.files[1]).map((e) => e.uid), [uid(0)]);
});

test("reopen resolves false for a sink that cannot reopen (stdout)", async () => {
  const sink = flakySink(() => undefined);
  const log = new NdjsonWriter({ write: sink.write, sync: sink.sync, close: sink.close });
  assert.equal(await log.reopen(), false);
  await log.close();
});

test("a console whose reader went away (EPIPE) tells onFatal once and stops showing", async () => {
  const sink = flakySink(() => coded("EPIPE", "broken pipe"));
  const fatal: string[] = [];
  const view = new ConsoleWriter(sink, { onFatal: (_e, cause) => fatal.push(cause) });
  view.handle({ ts, type: "listener.up", proto: "tcp", host: "127.0.0.1", port: 8000 });
  await eventually(() => fatal.length === 1, 5000, "the fatal callback");
  view.handle(open(0));
  view.line("more");
  await within(view.close(), 1000, "close");
  assert.deepEqual(fatal, ["epipe"]);
  assert.equal(sink.attempts, 1);
});
