// The CLI's process runs without JavaScript stack traces (Node formats one for
// every connection a scanner resets), unless SOCKSCOPE_STACK_TRACES keeps them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dropStackTraces } from "../../cli/stack_traces.ts";

function withLimit(fn: () => void): void {
  const saved = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 10;
    fn();
  } finally {
    Error.stackTraceLimit = saved;
  }
}

const env = (value: string | undefined) => (name: string) =>
  name === "SOCKSCOPE_STACK_TRACES" ? value : undefined;

test("by default the CLI drops stack traces: an error is its message alone", () => {
  for (const value of [undefined, "", "0"]) {
    withLimit(() => {
      assert.equal(dropStackTraces(env(value)), true, String(value));
      assert.equal(Error.stackTraceLimit, 0);
      const err = new Error("read ECONNRESET");
      assert.equal(err.message, "read ECONNRESET");
      assert.doesNotMatch(String(err.stack), /\n\s+at /, "no frames");
    });
  }
});

test("SOCKSCOPE_STACK_TRACES=1 keeps them, frames and all", () => {
  for (const value of ["1", "yes"]) {
    withLimit(() => {
      assert.equal(dropStackTraces(env(value)), false, value);
      assert.equal(Error.stackTraceLimit, 10);
      assert.match(String(new Error("kept").stack), /\n\s+at /);
    });
  }
});
