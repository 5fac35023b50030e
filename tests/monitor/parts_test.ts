// Small parts of the engine with guarantees of their own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { newUid, TopCounter } from "sockscope";

test("uids are Zeek-style and do not repeat", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20000; i++) {
    const uid = newUid();
    assert.match(uid, /^C[0-9A-Za-z]{17}$/);
    seen.add(uid);
  }
  assert.equal(seen.size, 20000);
});

test("TopCounter keeps the heavy hitters exact under a flood of distinct keys", () => {
  const top = new TopCounter<string>(16);
  for (let i = 0; i < 50000; i++) {
    top.add(`spoof-${i}`);
    if (i % 10 === 0) top.add("heavy-a");
    if (i % 25 === 0) top.add("heavy-b");
  }
  assert.deepEqual(top.top(2), [{ key: "heavy-a", count: 5000 }, { key: "heavy-b", count: 2000 }]);
});
