// The monitor's list of open sessions: every member added is listed once,
// every removal removes exactly that member, whatever the order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveList } from "../../src/monitor/live_list.ts";

test("LiveList: adds and removes in any order keep exactly the members still listed", () => {
  const list = new LiveList<{ id: number; listIndex: number }>();
  const members = Array.from({ length: 200 }, (_, id) => ({ id, listIndex: -1 }));
  const listed = new Set<number>();
  // A fixed pseudo-random walk of adds and removes (and removes of what is not listed).
  let x = 12345;
  for (let step = 0; step < 5000; step++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const m = members[x % members.length];
    if (x % 3 === 0) {
      assert.equal(list.delete(m), listed.delete(m.id), `delete ${m.id}`);
    } else if (!listed.has(m.id)) {
      list.add(m);
      listed.add(m.id);
    }
    assert.equal(list.size, listed.size);
  }
  assert.deepEqual(
    list.values().map((m) => m.id).sort((a, b) => a - b),
    [...listed].sort((a, b) => a - b),
  );
  for (const m of members) assert.equal(m.listIndex >= 0, listed.has(m.id));
  // Removing while walking backwards visits every member once.
  const seen: number[] = [];
  const values = list.values();
  for (let i = values.length - 1; i >= 0; i--) {
    seen.push(values[i].id);
    list.delete(values[i]);
  }
  assert.equal(list.size, 0);
  assert.deepEqual(seen.sort((a, b) => a - b), [...listed].sort((a, b) => a - b));
});
