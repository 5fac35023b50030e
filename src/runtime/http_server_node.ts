/**
 * The HTTP server on Node.js: node:http, with a bridge from
 * `IncomingMessage` to `Request` and from `Response` to `ServerResponse`.
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { formatHostPort } from "../net/ip.ts";
import { bindError } from "./bind_error.ts";
import type { HttpHandler, HttpServeOptions, HttpServer } from "./http_server.ts";

/** Request bodies are buffered; past this size the request gets a 413. */
const MAX_REQUEST_BODY = 1024 * 1024;

/** How long `close()` lets requests under way finish before cutting their connections. */
const CLOSE_GRACE_MS = 5000;

/** Serves `handler` with node:http; bind failures become sockscope's errors. */
export function serveNode(options: HttpServeOptions, handler: HttpHandler): Promise<HttpServer> {
  const { hostname, port } = options;
  const authority = formatHostPort(hostname, port);
  const server = createServer((req, res) => {
    respond(req, res, handler, authority).catch((error) => {
      // Only the bridge itself can fail here (the handler is guarded): a
      // client that went away mid-response, a header Node refuses.
      options.onError?.(error);
      res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    const failed = (err: unknown) => reject(bindError(err, hostname, port));
    server.once("error", failed);
    server.listen({ host: hostname, port, exclusive: true }, () => {
      server.off("error", failed);
      // A listening server's 'error' must not become an uncaught exception.
      server.on("error", (err) => options.onError?.(err));
      const address = server.address();
      const localPort = typeof address === "object" && address !== null ? address.port : port;
      let closing: Promise<void> | undefined;
      resolve({
        hostname,
        localPort,
        close(): Promise<void> {
          closing ??= new Promise((done) => {
            const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            // close() waits for every connection: idle keep-alive ones
            // (Prometheus keeps its connection open between scrapes) go now.
            server.closeIdleConnections();
          });
          return closing;
        },
      });
    });
  });
}

/** Runs one request through the handler and writes its response. */
async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  handler: HttpHandler,
  authority: string,
): Promise<void> {
  const request = await toRequest(req, authority);
  if (typeof request === "number") {
    res.writeHead(request, { "content-type": "text/plain; charset=utf-8", connection: "close" });
    res.end(request === 413 ? "request body too large\n" : "bad request\n");
    return;
  }
  await send(res, await handler(request), req.method === "HEAD");
}

/** The web `Request` for `req`, or the status to answer with when it cannot be one. */
async function toRequest(req: IncomingMessage, authority: string): Promise<Request | number> {
  const method = req.method ?? "GET";
  let url: URL;
  try {
    url = new URL(req.url ?? "/", `http://${req.headers.host ?? authority}`);
  } catch {
    return 400;
  }
  const headers = new Headers();
  const raw = req.rawHeaders;
  try {
    for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  } catch {
    return 400;
  }
  let body: Uint8Array<ArrayBuffer> | undefined;
  if (method !== "GET" && method !== "HEAD") {
    const read = await readBody(req);
    if (read === undefined) return 413;
    body = read;
  }
  return new Request(url, { method, headers, body });
}

/** The request body, or undefined past {@linkcode MAX_REQUEST_BODY}. */
async function readBody(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_REQUEST_BODY) return undefined;
    chunks.push(chunk);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return body;
}

/** Writes `response` to `res`, streaming its body with back-pressure. */
async function send(res: ServerResponse, response: Response, head: boolean): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  const body = response.body;
  if (body === null || head) {
    await body?.cancel();
    res.end();
    return;
  }
  const reader = body.getReader();
  let finished = false;
  try {
    const first = await reader.read();
    const second = first.done ? first : await reader.read();
    if (second.done) {
      finished = true;
      // A body of one chunk (any Response built from a string): end() with
      // it sends a Content-Length instead of chunked encoding.
      res.end(first.value);
      return;
    }
    await write(res, first.value!);
    await write(res, second.value);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await write(res, value);
    }
    finished = true;
    res.end();
  } finally {
    // The client left mid-body: tell the body's source to stop producing.
    if (!finished) await reader.cancel().catch(() => {});
  }
}

/** Writes a chunk, waiting for 'drain' when the socket's buffer is full. */
function write(res: ServerResponse, chunk: Uint8Array): Promise<void> {
  if (res.destroyed) return Promise.reject(new Error("the client closed the connection"));
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      res.off("drain", drained);
      res.off("close", closed);
    };
    const drained = () => {
      cleanup();
      resolve();
    };
    const closed = () => {
      cleanup();
      reject(new Error("the client closed the connection"));
    };
    res.on("drain", drained);
    res.on("close", closed);
  });
}
