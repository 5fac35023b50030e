/**
 * Closing a listening socket makes the kernel reset every connection still
 * waiting in its accept queue: handshakes it completed that the monitor would
 * never record. Before closing, adapters keep accepting until the queue is
 * found empty, bounded in time for a peer that keeps connecting.
 *
 * @module
 */

/** How long without a new accept means the queue is empty (ms). */
const IDLE_MS = 3;
/**
 * Longest drain (ms). What was queued when closing began is accepted within
 * the first event-loop turns (node and Bun accept the whole queue per
 * readiness event), but a full queue (backlog 511) of connections at about
 * 100 µs of handling each takes some 50 ms, more on a busy machine: 25 ms
 * lost records under a scanner's load. The bound keeps a peer that keeps
 * connecting from holding a shutdown open longer than a tenth of a second.
 */
const MAX_MS = 100;

/**
 * Resolves once `accepted()` (a count of accepted connections) has not grown
 * for two idle intervals in a row, or after the bound. An accept for a
 * queued connection completes within an event-loop turn or two; one quiet
 * interval was not always enough on a loaded machine (Deno's accept loop,
 * the full test suite running: a connection queued just before close was
 * reset unrecorded), two cost a shutdown 3 ms more.
 */
export async function drainAcceptQueue(accepted: () => number): Promise<void> {
  const deadline = Date.now() + MAX_MS;
  let last = -1;
  let quiet = 0;
  while (Date.now() < deadline) {
    const now = accepted();
    quiet = now === last ? quiet + 1 : 0;
    if (quiet === 2) return;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  }
}
