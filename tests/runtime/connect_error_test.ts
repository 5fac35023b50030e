// How each runtime's connect failures map to ConnectError reasons: errno
// codes (node:net, Bun) and Deno error names alike.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConnectError } from "sockscope";
import { connectError, connectFailure } from "../../src/runtime/connect_error.ts";

test("connect failures map to refused, unreachable, timeout or error", () => {
  const cases: [unknown, string][] = [
    [
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
      "refused",
    ],
    [
      Object.assign(new Error("Connection refused (os error 111)"), { name: "ConnectionRefused" }),
      "refused",
    ],
    [Object.assign(new Error("connect EHOSTUNREACH"), { code: "EHOSTUNREACH" }), "unreachable"],
    [Object.assign(new Error("connect ENETUNREACH"), { code: "ENETUNREACH" }), "unreachable"],
    [new Error("No route to host (os error 113): Host is unreachable"), "unreachable"],
    [Object.assign(new Error("connect ETIMEDOUT"), { code: "ETIMEDOUT" }), "timeout"],
    [Object.assign(new Error("boom"), { code: "EMFILE" }), "error"],
    ["not even an error", "error"],
    [null, "error"],
  ];
  for (const [err, reason] of cases) assert.equal(connectFailure(err), reason, String(err));
});

test("a wrapped failure names the address, says what happened and keeps the cause", () => {
  const cause = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  const err = connectError(cause, "::1", 6379);
  assert.ok(err instanceof ConnectError);
  assert.equal(err.reason, "refused");
  assert.equal(err.message, "connecting to [::1]:6379: connection refused (nothing listens there)");
  assert.equal(err.cause, cause);
  assert.equal(connectError(err, "x", 1), err, "an already typed error passes through");
});
