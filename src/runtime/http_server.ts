/**
 * Serves one web-standard fetch handler on the running runtime's own HTTP
 * server: `Deno.serve` on Deno, `Bun.serve` on Bun, node:http (with a
 * Request/Response bridge) on Node.js. Used for the Prometheus endpoint.
 *
 * Each runtime's server is loaded lazily, so that a runtime never evaluates
 * another runtime's module.
 *
 * @module
 */

import { detectRuntime } from "./detect.ts";

/** A web-standard request handler, as `Deno.serve`, `Bun.serve` and srvx take it. */
export type HttpHandler = (request: Request) => Response | Promise<Response>;

/** Options of {@linkcode serveHttp}. */
export interface HttpServeOptions {
  /** Address to bind (an IP literal such as `127.0.0.1`, `::` or `0.0.0.0`). */
  readonly hostname: string;
  /** Port to bind; 0 picks a free one (see {@linkcode HttpServer.localPort}). */
  readonly port: number;
  /**
   * Hears of every error the handler throws (the client then gets a 500).
   * Without it such errors are answered with a 500 and otherwise ignored.
   */
  readonly onError?: (error: unknown) => void;
}

/** A running HTTP server. */
export interface HttpServer {
  /** The bound address. */
  readonly hostname: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly localPort: number;
  /**
   * Stops accepting, lets requests under way finish, closes idle keep-alive
   * connections and resolves once the port is free. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Serves `handler` on `hostname`:`port` with the running runtime's HTTP
 * server. Resolves once it listens; rejects with
 * {@linkcode AddressInUseError}, {@linkcode PermissionDeniedError} or
 * {@linkcode AddressNotAvailableError} when the address cannot be bound, and
 * with a RangeError for a port outside 0-65535.
 *
 * @example Serve a handler on a free port, then stop
 * ```ts
 * import { serveHttp } from "@sockscope/sockscope";
 *
 * const server = await serveHttp(
 *   { hostname: "127.0.0.1", port: 0 },
 *   () => new Response("hello\n"),
 * );
 * const res = await fetch(`http://127.0.0.1:${server.localPort}/`);
 * console.log(await res.text()); // "hello\n"
 * await server.close();
 * ```
 */
export async function serveHttp(
  options: HttpServeOptions,
  handler: HttpHandler,
): Promise<HttpServer> {
  const { port } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Invalid port "${port}": expected an integer 0-65535`);
  }
  const guarded = guard(handler, options.onError);
  switch (detectRuntime()) {
    case "deno": {
      const { serveDeno } = await import("./http_server_deno.ts");
      return serveDeno(options, guarded);
    }
    case "bun": {
      const { serveBun } = await import("./http_server_bun.ts");
      return serveBun(options, guarded);
    }
    default: {
      const { serveNode } = await import("./http_server_node.ts");
      return serveNode(options, guarded);
    }
  }
}

/**
 * Turns a throwing or rejecting handler into a 500, the same on every
 * runtime (each server's own fallback differs: an HTML page, a reset, a log line).
 */
function guard(handler: HttpHandler, onError?: (error: unknown) => void): HttpHandler {
  const failed = (error: unknown): Response => {
    try {
      onError?.(error);
    } catch { /* the reporter failed: the client still gets its answer */ }
    return new Response("internal server error\n", {
      status: 500,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  };
  return (request) => {
    try {
      const res = handler(request);
      return res instanceof Response ? res : Promise.resolve(res).then((r) => r, failed);
    } catch (error) {
      return failed(error);
    }
  };
}
