/**
 * The fetch handler that serves a {@linkcode MetricsCollector} at `/metrics`.
 *
 * @module
 */

import { type MetricsCollector, PROMETHEUS_CONTENT_TYPE } from "./metrics.ts";

const TEXT = "text/plain; charset=utf-8";

/**
 * A web-standard fetch handler: `GET /metrics` (and `HEAD`) answers the
 * collector's exposition text, another method on `/metrics` gets a 405 with
 * `Allow: GET, HEAD`, any other path a 404. The query string is ignored.
 *
 * @example Serve the metrics with the runtime's HTTP server
 * ```ts
 * import { listen, MetricsCollector, metricsHandler, serveHttp } from "@sockscope/sockscope";
 *
 * const monitor = await listen({ host: "127.0.0.1", ports: [0] });
 * const metrics = new MetricsCollector({ stats: () => monitor.stats() });
 * metrics.attach(monitor);
 * const server = await serveHttp({ hostname: "127.0.0.1", port: 0 }, metricsHandler(metrics));
 * const res = await fetch(`http://127.0.0.1:${server.localPort}/metrics`);
 * console.log(await res.text());
 * await server.close();
 * await monitor.close();
 * ```
 */
export function metricsHandler(collector: MetricsCollector): (request: Request) => Response {
  return (request: Request): Response => {
    if (new URL(request.url).pathname !== "/metrics") {
      return new Response("not found: metrics are at /metrics\n", {
        status: 404,
        headers: { "content-type": TEXT },
      });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response(`method ${request.method} not allowed: expected GET or HEAD\n`, {
        status: 405,
        headers: { "content-type": TEXT, allow: "GET, HEAD" },
      });
    }
    return new Response(request.method === "HEAD" ? null : collector.render(), {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" },
    });
  };
}
