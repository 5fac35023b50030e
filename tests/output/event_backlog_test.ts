// Writers hold events back and encode them in one go before each write: nothing
// is lost, reordered or held without bound, whatever else the writer is asked.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ConsoleWriter,
  eventToJson,
  NdjsonWriter,
  RecordWriter,
  type Sink,
  ZeekConnFormat,
} from "sockscope";
import { BACKLOG_LIMIT, EventBacklog } from "../../src/output/event_backlog.ts";
import { eventually } from "../_helpers/client.ts";
import { closeEvent, numberedOpen } from "../_helpers/events.ts";

const open = numberedOpen;
const close = (i: number) => closeEvent({ uid: open(i).uid, src: "127.0.0.1", sport: 10000 + i });

/** A sink that keeps what it was given, write by write. */
function recording(): Sink & { writes: string[]; text(): string } {
  const writes: string[] = [];
  return {
    writes,
    text: () => writes.join(""),
    write(d: Uint8Array) {
      writes.push(new TextDecoder().decode(d));
      return Promise.resolve();
    },
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

test("a backlog encodes in arrival order, says when it stops being empty, and never holds more than its limit", () => {
  const encoded: number[] = [];
  let firsts = 0;
  const backlog = new EventBacklog<number>({
    holds: () => true,
    encode: (n) => encoded.push(n),
    onFirst: () => firsts++,
    onError: (err) => assert.fail(String(err)),
  });
  for (let i = 0; i < 3 * BACKLOG_LIMIT + 5; i++) {
    backlog.push(i);
    assert.ok(backlog.size < BACKLOG_LIMIT, `held ${backlog.size} after ${i + 1}`);
  }
  assert.equal(
    encoded.length,
    3 * BACKLOG_LIMIT,
    "encoded at the limit, with nothing waiting for a write",
  );
  backlog.drain();
  assert.deepEqual(encoded, Array.from({ length: 3 * BACKLOG_LIMIT + 5 }, (_, i) => i));
  assert.equal(firsts, 4, "once per time it stopped being empty");
  assert.equal(backlog.size, 0);
});

test("a held event is encoded within the hold time, even with no write due", async () => {
  const encoded: string[] = [];
  const backlog = new EventBacklog<string>({
    holds: () => true,
    encode: (e) => encoded.push(e),
    onFirst: () => {}, // no write is ever scheduled
    onError: (err) => assert.fail(String(err)),
  });
  backlog.push("held");
  assert.deepEqual(encoded, [], "held, not encoded at once");
  await eventually(() => encoded.length === 1, 5000, "the hold to end");
  assert.equal(backlog.size, 0);
});

test("while the writer cannot hold (an outage), an event is encoded at once, after what was held", () => {
  const encoded: number[] = [];
  let holds = true;
  const backlog = new EventBacklog<number>({
    holds: () => holds,
    encode: (n) => encoded.push(n),
    onFirst: () => {},
    onError: (err) => assert.fail(String(err)),
  });
  backlog.push(1);
  holds = false;
  backlog.push(2);
  assert.deepEqual(encoded, [1, 2]);
  assert.equal(backlog.size, 0);
});

test("an encoder that throws costs only its own event: the rest are encoded and the error reported", () => {
  const encoded: number[] = [];
  const failed: number[] = [];
  const backlog = new EventBacklog<number>({
    holds: () => true,
    encode: (n) => {
      if (n === 2) throw new Error("bad event");
      encoded.push(n);
    },
    onFirst: () => {},
    onError: (_err, n) => failed.push(n),
  });
  for (const n of [1, 2, 3]) backlog.push(n);
  backlog.drain();
  assert.deepEqual(encoded, [1, 3]);
  assert.deepEqual(failed, [2]);
});

test("held events are written by the next write on their own (no other push), in order", async () => {
  const sink = recording();
  const log = new NdjsonWriter(sink);
  for (let i = 0; i < 5; i++) log.handle(open(i));
  await eventually(() => sink.writes.length > 0, 5000, "the write of the held events");
  assert.deepEqual(
    sink.text().split("\n").filter((l) => l !== ""),
    [0, 1, 2, 3, 4].map((i) => eventToJson(open(i))),
  );
  assert.equal(log.written, 5);
  await log.close();
});

test("flush and close write what is held; events after close are counted, not held", async () => {
  const sink = recording();
  const zeek = new RecordWriter(sink, new ZeekConnFormat());
  for (let i = 0; i < 3; i++) zeek.handle(close(i));
  await zeek.flush();
  assert.equal(zeek.written, 3, "flush encoded and wrote the held records");
  zeek.handle(close(3));
  await zeek.close();
  assert.equal(zeek.written, 4);
  const records = sink.text().split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  assert.equal(records.length, 4);
  zeek.handle(close(4));
  assert.deepEqual(zeek.droppedByCause, { closed: 1 }, "counted at once after close");
});

test("the console's own lines come after the connection lines shown before them", async () => {
  const sink = recording();
  const view = new ConsoleWriter(sink, { print: "none" });
  view.handle(open(1));
  view.line("sockscope: a message of the CLI");
  view.handle(close(1));
  await view.close();
  const lines = sink.text().split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 3);
  assert.match(lines[0], /open .*C00000000000000001/);
  assert.equal(lines[1], "sockscope: a message of the CLI");
  assert.match(lines[2], /close .*127\.0\.0\.1:10001/);
});
