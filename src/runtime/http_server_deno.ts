/**
 * The HTTP server on Deno: `Deno.serve`.
 *
 * @module
 */

import { bindError } from "./bind_error.ts";
import type { HttpHandler, HttpServeOptions, HttpServer } from "./http_server.ts";

/** `Deno.HttpServer`, as used here (declared so that plain tsc compiles this file). */
interface DenoHttpServer {
  readonly addr: { readonly hostname: string; readonly port: number };
  readonly finished: Promise<void>;
  shutdown(): Promise<void>;
}

/** The used part of the `Deno` namespace. */
interface DenoServeApi {
  serve(
    options: {
      hostname: string;
      port: number;
      onListen?: (addr: unknown) => void;
      onError?: (error: unknown) => Response | Promise<Response>;
    },
    handler: HttpHandler,
  ): DenoHttpServer;
}

/** Serves `handler` with `Deno.serve`; bind failures become sockscope's errors. */
export function serveDeno(options: HttpServeOptions, handler: HttpHandler): HttpServer {
  const deno = (globalThis as unknown as { Deno: DenoServeApi }).Deno;
  let server: DenoHttpServer;
  try {
    server = deno.serve({
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
