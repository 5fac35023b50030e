// Type-level proof, checked by `deno check` (not part of the npm build): the
// real Deno namespace satisfies the slice that src/runtime/deno_api.ts declares.
import type { DenoApi, DenoDatagramConn } from "../../src/runtime/deno_api.ts";

export const realDeno: DenoApi = Deno;
export type RealDatagram = Deno.DatagramConn extends DenoDatagramConn ? true : never;
export const datagramFits: RealDatagram = true;
