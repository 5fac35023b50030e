/**
 * Delivers alerts to an HTTP webhook (`--webhook URL`): sockscope's JSON,
 * Slack, Discord or Alertmanager v2, with the global `fetch` of the runtime.
 *
 * Why a queue and one request at a time: the monitor hands events over
 * synchronously and must never wait for a receiver, and receivers (chat
 * services especially) rate-limit parallel posts. `handle` only appends to
 * a bounded queue; one delivery loop posts in order. A receiver that is
 * down, slow or rate-limiting is retried with exponential backoff and
 * jitter (honouring `Retry-After` up to the cap), while the queue holds what
 * comes meanwhile and drops past its bound, counted. A request that was
 * answered 4xx (other than 429) would fail the same way again: it is given
 * up at once, counted, and reported once per status.
 *
 * Delivery is at least once: a request that timed out may still have been
 * processed by a slow receiver, and its retry then arrives a second time.
 * Every retry of a request carries the same `Idempotency-Key` header, so a
 * receiver can tell; Alertmanager merges equal alerts by their labels, so a
 * repeat there changes nothing.
 *
 * @module
 */

import type { AlertEvent, MonitorEvent } from "../monitor/events.ts";
import type { OutageEnd } from "./batch_writer.ts";
import { VERSION } from "../version.ts";
import { WEBHOOK_FORMATS, webhookBody, type WebhookFormat } from "./webhook_payload.ts";
import { nonNegativeNumber, positiveInteger } from "./option_checks.ts";
import { type Retry, RetryPump } from "./retry_pump.ts";

/** Options of {@linkcode WebhookWriter}. */
export interface WebhookWriterOptions {
  /** Body format (default `json`). */
  readonly format?: WebhookFormat;
  /** The fetch to use (default the global one). */
  readonly fetch?: typeof fetch;
  /** Alerts waiting at most, the one being sent included (default 1,000); past it they are dropped. */
  readonly maxQueue?: number;
  /** Alerts per request where the target takes an array (`alertmanager`; default 64). */
  readonly maxBatch?: number;
  /** Attempts per request before it is given up (default 8). */
  readonly maxAttempts?: number;
  /** First retry delay (ms, default 500), doubling after each failure in a row. */
  readonly backoffMinMs?: number;
  /** Longest retry delay, `Retry-After` included (ms, default 30,000). */
  readonly backoffMaxMs?: number;
  /** Time a request may take until its response headers arrive (ms, default 5,000). */
  readonly timeoutMs?: number;
  /** How long `close()` keeps trying to deliver what is queued (ms, default 5,000). */
  readonly closeTimeoutMs?: number;
  /** Extra request headers (e.g. `authorization`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Alertmanager `generatorURL` of every alert (e.g. the dashboard's address). */
  readonly generatorURL?: string;
  /** How the URL's option is named in error messages (default `--webhook`). */
  readonly flag?: string;
  /** A request failed and will be retried: an outage starts (once per outage). */
  readonly onOutage?: (error: Error, cause: string) => void;
  /** A request worked after an outage (or was answered at all): the outage is over. */
  readonly onResume?: (end: OutageEnd) => void;
  /** The receiver refused a request (4xx other than 429): called once per status code. */
  readonly onRejected?: (error: Error, status: number) => void;
}

/** One request under way: kept until it is delivered or given up, so retries send the same. */
interface Job {
  readonly count: number;
  readonly body: string;
  readonly key: string;
  attempts: number;
}

/** What one attempt came to. */
type Attempt =
  | { readonly kind: "ok" }
  | { readonly kind: "rejected"; readonly status: number; readonly error: Error }
  | ({ readonly kind: "retry" } & Retry);

const DEFAULTS = {
  maxBatch: 64,
  maxAttempts: 8,
  backoffMinMs: 500,
  timeoutMs: 5000,
} as const;

/**
 * `Retry-After` as milliseconds from now: delta-seconds or an HTTP date
 * (RFC 9110 section 10.2.3); undefined when absent or malformed.
 */
function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Posts `alert` events to a webhook, off the monitor's path.
 *
 * @example
 * ```ts
 * import type { AlertEvent } from "../monitor/events.ts";
 * import { WebhookWriter } from "./webhook_writer.ts";
 * declare const alert: AlertEvent;
 * const hook = new WebhookWriter("http://127.0.0.1:9093/api/v2/alerts", { format: "alertmanager" });
 * hook.handle(alert); // what monitor.subscribe(hook.handle) does for each event
 * await hook.close();
 * console.log(`${hook.sent} sent, ${hook.failed} failed, ${hook.dropped} dropped`);
 * ```
 */
export class WebhookWriter {
  readonly #url: URL;
  readonly #format: WebhookFormat;
  readonly #fetch: typeof fetch;
  readonly #headers: Headers;
  readonly #options: WebhookWriterOptions;
  readonly #maxBatch: number;
  readonly #maxAttempts: number;
  readonly #timeoutMs: number;
  /** Queued alerts; the first `#job.count` of them are being sent. */
  readonly #pump: RetryPump<AlertEvent>;
  #job: Job | undefined;
  #controller: AbortController | undefined;
  readonly #rejectedStatuses = new Set<number>();
  #retries = 0;

  /**
   * Creates a writer for `url`; nothing is sent until an alert is handled.
   *
   * @throws {TypeError} when `url` is not an http(s) URL, it has credentials, the format is unknown
   *   or a header is invalid.
   * @throws {RangeError} when a number option is out of range.
   */
  constructor(url: string, options: WebhookWriterOptions = {}) {
    const flag = options.flag ?? "--webhook";
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch { /* reported below */ }
    if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      throw new TypeError(`Invalid ${flag} "${url}": expected an http:// or https:// URL`);
    }
    if (parsed.username !== "" || parsed.password !== "") {
      throw new TypeError(
        `Invalid ${flag} "${url}": expected an http(s) URL without user:password@ ` +
          `(fetch refuses them; send an authorization header instead)`,
      );
    }
    const format = options.format ?? "json";
    if (!WEBHOOK_FORMATS.includes(format)) {
      throw new TypeError(
        `Invalid webhook format "${format}": expected one of ${WEBHOOK_FORMATS.join(", ")}`,
      );
    }
    this.#url = parsed;
    this.#format = format;
    this.#fetch = options.fetch ?? globalThis.fetch;
    // Validated now: a header fetch refuses would fail every request.
    this.#headers = new Headers({
      "content-type": "application/json",
      "user-agent": `sockscope/${VERSION}`,
    });
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      this.#headers.set(name, value);
    }
    this.#options = options;
    this.#pump = new RetryPump({
      ...options,
      backoffMinMs: options.backoffMinMs ?? DEFAULTS.backoffMinMs,
      deliver: () => this.#deliver(),
      interrupt: () => this.#controller?.abort(),
    });
    this.#maxBatch = positiveInteger("maxBatch", options.maxBatch ?? DEFAULTS.maxBatch);
    this.#maxAttempts = positiveInteger("maxAttempts", options.maxAttempts ?? DEFAULTS.maxAttempts);
    this.#timeoutMs = nonNegativeNumber("timeoutMs", options.timeoutMs ?? DEFAULTS.timeoutMs);
  }

  /**
   * Takes an event from the monitor: queues `alert` events (ignores the
   * rest), or drops and counts one past `maxQueue` (`queue-full`) or after
   * `close()` (`closed`). Never blocks, never throws.
   */
  readonly handle = (event: MonitorEvent): void => {
    // Sent on a later turn: building the request is not the monitor's work.
    if (event.type === "alert") this.#pump.push(event);
  };

  /** Alerts delivered (answered 2xx). */
  get sent(): number {
    return this.#pump.sent;
  }

  /** Alerts given up after being tried: refused (4xx) or out of attempts. */
  get failed(): number {
    return this.#pump.failed;
  }

  /** Failed alerts by cause: `http-NNN` for a refusal, `attempts` when out of attempts. */
  get failedByCause(): Record<string, number> {
    return this.#pump.failedByCause;
  }

  /** Alerts never tried to the end: dropped past the queue bound, after close, or when close ran out of time. */
  get dropped(): number {
    return this.#pump.dropped;
  }

  /** Dropped alerts by cause: `queue-full`, `closed`, `close-timeout`. */
  get droppedByCause(): Record<string, number> {
    return this.#pump.droppedByCause;
  }

  /** Requests sent again after a failed attempt. */
  get retries(): number {
    return this.#retries;
  }

  /** Alerts waiting, the ones being sent included. */
  get pending(): number {
    return this.#pump.pending;
  }

  /**
   * During an outage, why the latest attempt failed (`econnrefused`,
   * `timeout`, `http-503`...); undefined while requests work.
   */
  get outageCause(): string | undefined {
    return this.#pump.latestCause;
  }

  /** Sends the job at the head of the queue once (the pump retries). */
  async #deliver(): Promise<Retry | undefined> {
    const job = this.#job ??= this.#nextJob();
    if (job.attempts > 0) this.#retries++;
    job.attempts++;
    const result = await this.#attempt(job);
    if (this.#pump.givenUp) return undefined; // close() counted this job with the rest
    if (result.kind === "retry" && job.attempts < this.#maxAttempts) return result;
    this.#job = undefined;
    if (result.kind === "retry") {
      return { ...result, fail: { count: job.count, cause: "attempts" } };
    }
    if (result.kind === "ok") {
      this.#pump.markSent(job.count);
      return undefined;
    }
    // The receiver is there (no outage), but will never take this body.
    this.#pump.reached();
    this.#pump.markFailed(job.count, `http-${result.status}`);
    if (!this.#rejectedStatuses.has(result.status)) {
      this.#rejectedStatuses.add(result.status);
      try {
        this.#options.onRejected?.(result.error, result.status);
      } catch { /* the callback's own bug; delivery goes on */ }
    }
    return undefined;
  }

  #nextJob(): Job {
    const alerts = this.#pump.peek(this.#format === "alertmanager" ? this.#maxBatch : 1);
    return {
      count: alerts.length,
      body: webhookBody(this.#format, alerts, this.#options.generatorURL),
      key: crypto.randomUUID(),
      attempts: 0,
    };
  }

  async #attempt(job: Job): Promise<Attempt> {
    const controller = new AbortController();
    this.#controller = controller;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeoutMs);
    const headers = new Headers(this.#headers);
    headers.set("idempotency-key", job.key);
    try {
      const response = await this.#fetch(this.#url, {
        method: "POST",
        headers,
        body: job.body,
        signal: controller.signal,
      });
      // The body is of no use and would hold the connection.
      response.body?.cancel().catch(() => {});
      const status = response.status;
      if (status >= 200 && status < 300) return { kind: "ok" };
      const error = new Error(
        `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ""}`,
      );
      if (status === 429 || status >= 500 || status < 200) {
        return {
          kind: "retry",
          cause: `http-${status}`,
          error,
          afterMs: retryAfterMs(response.headers.get("retry-after"), Date.now()),
        };
      }
      // 3xx that fetch did not follow, and 4xx: the same request would fail again.
      return { kind: "rejected", status, error };
    } catch (err) {
      if (timedOut) {
        return {
          kind: "retry",
          cause: "timeout",
          error: new Error(`no response within ${this.#timeoutMs} ms`),
        };
      }
      return { kind: "retry", cause: networkCause(err), error: this.#networkError(err) };
    } finally {
      clearTimeout(timer);
      this.#controller = undefined;
    }
  }

  /**
   * The error of a failed fetch, with the cause's text (Node hides it in
   * `cause`) and without the URL's path and query, where Slack and Discord
   * keep their secret token.
   */
  #networkError(err: unknown): Error {
    const e = err instanceof Error ? err : new Error(String(err));
    const cause = (e as { cause?: unknown }).cause;
    let message = cause instanceof Error && cause.message !== "" && cause.message !== e.message
      ? `${e.message}: ${cause.message}`
      : e.message;
    message = message.split(this.#url.href).join(`${this.#url.origin}/…`);
    return new Error(message);
  }

  /**
   * Stops taking alerts and tries to deliver what is queued for at most
   * `closeTimeoutMs` (a retry waiting for its backoff goes at once); then
   * gives up, counting what is left as dropped (`close-timeout`). Safe to
   * call more than once.
   *
   * @example
   * ```ts
   * import { WebhookWriter } from "./webhook_writer.ts";
   * const hook = new WebhookWriter("http://127.0.0.1:9/hook", { closeTimeoutMs: 1000 });
   * await hook.close();
   * ```
   */
  close(): Promise<void> {
    return this.#pump.close();
  }
}

/** Deno's fetch errors carry no code; their text says what happened. */
const CAUSE_BY_TEXT: readonly [RegExp, string][] = [
  [/connection refused/i, "econnrefused"],
  [/connection reset/i, "econnreset"],
  [/timed out/i, "etimedout"],
  [/dns error|failed to lookup|name or service not known|no such host/i, "enotfound"],
  [/certificate|tls|ssl/i, "tls"],
];

/**
 * A failed fetch's cause: its errno code (Node puts it on `cause`, Bun on
 * the error) lowercased, else what Deno's message names, else `network`.
 */
function networkCause(err: unknown): string {
  const errors = [err, (err as { cause?: unknown } | null)?.cause];
  for (const e of errors) {
    const code = (e as { code?: unknown } | null | undefined)?.code;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]*$/i.test(code)) return code.toLowerCase();
  }
  const text = errors.map((e) => (e instanceof Error ? e.message : "")).join(" ");
  for (const [re, cause] of CAUSE_BY_TEXT) if (re.test(text)) return cause;
  return "network";
}
