// Which runtime runs the tests, and which adapters it can exercise.
import type { AdapterName } from "sockscope";

export const runtime: "deno" | "bun" | "node" = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";

/** Every adapter that runs here: the conformance suite runs against each. */
export const adapters: AdapterName[] = runtime === "deno"
  ? ["deno", "node"]
  : runtime === "bun"
  ? ["bun", "node"]
  : ["node"];
