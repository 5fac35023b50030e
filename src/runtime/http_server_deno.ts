/**
 * The HTTP server on Deno: `Deno.serve`.
 *
 * @module
 */

import { bindError } from "./bind_error.ts";
import { denoApi, type DenoHttpServer } from "./deno_api.ts";
import type { HttpHandler, HttpServeOptions, HttpServer } from "./http_server.ts";

/** Serves `handler` with `Deno.serve`; bind failures become sockscope's errors. */
export function serveDeno(options: HttpServeOptions, handler: HttpHandler): HttpServer {
  let server: DenoHttpServer;
  try {
    server = denoApi().serve({
      hostname: options.hostname,
      port: options.port,
      // Deno prints "Listening on ..." unless told otherwise.
      onListen: () => {},
    }, handler);
  } catch (err) {
    throw bindError(err, options.hostname, options.port);
  }
  let closing: Promise<void> | undefined;
  return {
    hostname: options.hostname,
    localPort: server.addr.port,
    close(): Promise<void> {
      // shutdown() lets requests under way finish and drops idle connections.
      closing ??= server.shutdown().then(() => server.finished);
      return closing;
    },
  };
}
