/**
 * The HTTP server on Bun: `Bun.serve`.
 *
 * @module
 */

import { bindError } from "./bind_error.ts";
import { bunApi, type BunHttpServer } from "./bun_api.ts";
import type { HttpHandler, HttpServeOptions, HttpServer } from "./http_server.ts";

/** Serves `handler` with `Bun.serve`; bind failures become sockscope's errors. */
export function serveBun(options: HttpServeOptions, handler: HttpHandler): HttpServer {
  let server: BunHttpServer;
  try {
    server = bunApi().serve({
      hostname: options.hostname,
      port: options.port,
      // A second server on the same port must fail, as on the other runtimes.
      reusePort: false,
      // No HTML error pages with stack traces.
      development: false,
      fetch: handler,
    });
  } catch (err) {
    throw bindError(err, options.hostname, options.port);
  }
  let closing: Promise<void> | undefined;
  return {
    hostname: options.hostname,
    localPort: server.port,
    close(): Promise<void> {
      // false: requests under way finish; idle keep-alive connections are closed.
      closing ??= Promise.resolve(server.stop(false));
      return closing;
    },
  };
}
