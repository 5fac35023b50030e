// Alert webhooks against a real local HTTP server: each preset's body is what
// its target accepts (Alertmanager's validated against the v2 OpenAPI schema),
// hostile signatures cannot ping, link or break lines; a receiver that is down,
// then slow, then back gets every queued alert in order; the queue bound drops
// and counts; refusals are not retried; close() is bounded.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type net from "node:net";
import { once } from "node:events";
import { Ajv } from "ajv";
import type { AlertEvent } from "../../src/monitor/events.ts";
import { eventToJson } from "../../src/output/event_json.ts";
import { WebhookWriter } from "../../src/output/webhook_writer.ts";
import type { OutageEnd } from "../../src/output/batch_writer.ts";
import { eventually, within } from "../_helpers/client.ts";
import { closedPort } from "../_helpers/servers.ts";

function alert(i: number, fields: Partial<AlertEvent> = {}): AlertEvent {
  return {
    ts: `2026-12-01T10:00:${String(i % 60).padStart(2, "0")}.123Z`,
    type: "alert",
    uid: `CAlert${String(i).padStart(12, "0")}`,
    community_id: "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
    proto: "tcp",
    src: "192.0.2.7",
    sport: 40000 + i,
    dst: "127.0.0.1",
    dport: 22,
    origin: "rule",
    action: "allowed",
    signature_id: 2000537,
    rev: 3,
    signature: "ET SCAN NMAP OS Detection Probe",
    category: "Attempted Information Leak",
    severity: 2,
    ...fields,
  };
}

/** A signature written to hurt every target: mentions, links, markup, newlines, bidi, a fake entity. */
const HOSTILE = "<!channel> @everyone <@123> [click](http://evil.example) *bold* &amp; `x`\n" +
  'second line\r\u202eevil\u0000 \\ ]"';

/** Controls (newlines included) and format characters (bidi overrides). */
const UNSAFE = /[\p{Cc}\p{Cf}]/u;

interface Received {
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/**
 * An HTTP receiver on 127.0.0.1: records each request once its body is in,
 * then answers as `respond` says (status, headers, and a delay in ms).
 */
async function receiver(
  respond: (
    req: Received,
    n: number,
  ) => { status: number; headers?: Record<string, string>; delayMs?: number },
  port = 0,
): Promise<{ port: number; requests: Received[]; close: () => Promise<void> }> {
  const requests: Received[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Uint8Array[] = [];
    req.on("data", (c: Uint8Array) => chunks.push(c));
    req.on("end", () => {
      const r = {
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(r);
      const answer = respond(r, requests.length);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
        res.end("ok");
      };
      if (answer.delayMs === undefined) send();
      else {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, answer.delayMs);
        timers.add(t);
      }
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The Alertmanager API v2 `postableAlerts` schema, transcribed from api/v2/openapi.yaml
 * (prometheus/alertmanager at 68fb2d5): Swagger 2.0 definitions as JSON Schema. */
const POSTABLE_ALERTS = {
  $ref: "#/definitions/postableAlerts",
  definitions: {
    labelSet: { type: "object", additionalProperties: { type: "string" } },
    alert: {
      type: "object",
      properties: {
        labels: { $ref: "#/definitions/labelSet" },
        generatorURL: { type: "string", format: "uri" },
      },
      required: ["labels"],
    },
    postableAlert: {
      allOf: [
        {
          type: "object",
          properties: {
            startsAt: { type: "string", format: "date-time" },
            endsAt: { type: "string", format: "date-time" },
            annotations: { $ref: "#/definitions/labelSet" },
          },
        },
        { $ref: "#/definitions/alert" },
      ],
    },
    postableAlerts: { type: "array", items: { $ref: "#/definitions/postableAlert" } },
  },
};

function validatePostableAlerts(body: unknown): void {
  const ajv = new Ajv({ allErrors: true, strict: true });
  // RFC 3339 date-time (what go-openapi's strfmt accepts) and an absolute URI.
  ajv.addFormat(
    "date-time",
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/,
  );
  ajv.addFormat("uri", (s: string) => URL.canParse(s));
  const validate = ajv.compile(POSTABLE_ALERTS);
  assert.ok(validate(body), JSON.stringify(validate.errors));
}

const ok = () => ({ status: 200 });

test("webhook json: one alert per POST, the NDJSON object itself, JSON content type, an idempotency key", async () => {
  const rx = await receiver(ok);
  const hook = new WebhookWriter(`http://127.0.0.1:${rx.port}/hook?token=x`);
  try {
    const a = alert(1, { suppressed: 4 });
    hook.handle(a);
    hook.handle({ ts: a.ts, type: "listener.up", proto: "tcp", host: "127.0.0.1", port: 22 });
    hook.handle(alert(2));
    await eventually(() => hook.sent === 2, 5000, "two alerts delivered");
    assert.equal(rx.requests.length, 2, "only alert events are sent");
    assert.equal(rx.requests[0].url, "/hook?token=x");
    assert.equal(rx.requests[0].headers["content-type"], "application/json");
    assert.match(rx.requests[0].headers["user-agent"] ?? "", /^sockscope\//);
    assert.match(String(rx.requests[0].headers["idempotency-key"]), /^[0-9a-f-]{36}$/);
    assert.notEqual(
      rx.requests[0].headers["idempotency-key"],
      rx.requests[1].headers["idempotency-key"],
    );
    assert.deepEqual(JSON.parse(rx.requests[0].body), JSON.parse(eventToJson(a)));
    assert.equal(JSON.parse(rx.requests[0].body).suppressed, 4);
  } finally {
    await hook.close();
    await rx.close();
  }
});

test("webhook slack: {text} on one line with &<> escaped, so no <!channel> or link from a signature", async () => {
  const rx = await receiver(ok);
  const hook = new WebhookWriter(`http://127.0.0.1:${rx.port}/services/T/B/X`, { format: "slack" });
  try {
    hook.handle(alert(1, { signature: HOSTILE, suppressed: 7 }));
    await eventually(() => hook.sent === 1, 5000, "delivery");
    const body = JSON.parse(rx.requests[0].body);
    assert.deepEqual(Object.keys(body), ["text"]);
    const text: string = body.text;
    assert.doesNotMatch(text, UNSAFE);
    assert.doesNotMatch(text, /[<>]/);
    assert.ok(text.includes("&lt;!channel&gt;"), text);
    assert.ok(text.includes("&amp;amp;"), "an entity in the signature stays text");
    assert.ok(
      text.includes("192.0.2.7:40001 -&gt; 127.0.0.1:22/tcp"),
      `src -> dst:port in ${text}`,
    );
    assert.ok(text.includes("sid 2000537"), text);
    assert.ok(text.includes("severity 2"), text);
    assert.ok(text.includes("7 similar suppressed"), text);
  } finally {
    await hook.close();
    await rx.close();
  }
});

test("webhook discord: {content, allowed_mentions: {parse: []}}, markdown escaped, within 2,000 characters", async () => {
  const rx = await receiver(ok);
  const hook = new WebhookWriter(`http://127.0.0.1:${rx.port}/api/webhooks/1/x`, {
    format: "discord",
  });
  try {
    hook.handle(alert(1, { signature: HOSTILE }));
    hook.handle(alert(2, { signature: "@everyone ".repeat(600) }));
    await eventually(() => hook.sent === 2, 5000, "delivery");
    for (const r of rx.requests) {
      const body = JSON.parse(r.body);
      assert.deepEqual(Object.keys(body).sort(), ["allowed_mentions", "content"]);
      assert.deepEqual(body.allowed_mentions, { parse: [] });
      assert.ok(body.content.length <= 2000, `${body.content.length} characters`);
      assert.doesNotMatch(body.content, UNSAFE);
      // Every @, <, [, ( and * is escaped: no mention, link or markup survives.
      assert.doesNotMatch(body.content, /(^|[^\\])[@<\[(*`]/);
    }
    const long = JSON.parse(rx.requests[1].body).content as string;
    assert.ok(long.includes("…"), "a cut signature says so");
    assert.ok(JSON.parse(rx.requests[0].body).content.includes("sid 2000537"));
  } finally {
    await hook.close();
    await rx.close();
  }
});

test("webhook alertmanager: batched arrays valid against the API v2 postableAlerts schema, labels sane", async () => {
  const rx = await receiver(ok);
  const hook = new WebhookWriter(`http://127.0.0.1:${rx.port}/api/v2/alerts`, {
    format: "alertmanager",
    generatorURL: "http://127.0.0.1:9100/",
  });
  try {
    hook.handle(alert(1, { signature: HOSTILE, severity: 1 }));
    hook.handle(alert(2, { src: null, sport: null, severity: 3, category: "" }));
    hook.handle(
      alert(3, {
        origin: "behavior",
        signature_id: 9000001,
        rev: 1,
        signature: "sockscope behavior: port scan",
        category: "Detection of a Network Scan",
        episode: {
          kind: "scan",
          count: 20,
          threshold: 20,
          window: 60,
          ports: [1, 2, 3],
          addresses: ["127.0.0.1"],
          first: "2026-12-01T09:59:00.000Z",
        },
      }),
    );
    await eventually(() => hook.sent === 3, 5000, "delivery");
    // Sent in order; the first request may leave before the others are queued.
    const alerts = rx.requests.flatMap((r) => JSON.parse(r.body));
    assert.ok(rx.requests.length <= 3);
    for (const r of rx.requests) validatePostableAlerts(JSON.parse(r.body));
    assert.equal(alerts.length, 3);
    const [a, b, c] = alerts;
    assert.deepEqual(Object.keys(a.labels).sort(), [
      "alertname",
      "category",
      "dport",
      "dst",
      "origin",
      "priority",
      "proto",
      "severity",
      "signature_id",
      "src",
    ]);
    assert.equal(a.labels.severity, "critical");
    assert.equal(a.labels.signature_id, "2000537");
    assert.equal(a.labels.src, "192.0.2.7");
    assert.equal(a.labels.dport, "22");
    assert.doesNotMatch(a.labels.alertname, UNSAFE);
    assert.equal(a.startsAt, "2026-12-01T10:00:01.123Z");
    assert.equal(a.generatorURL, "http://127.0.0.1:9100/");
    assert.equal(a.endsAt, undefined, "Alertmanager resolves it after resolve_timeout");
    // Per-connection fields are annotations: as labels each connection would be a new alert.
    assert.equal(a.annotations.uid, "CAlert000000000001");
    assert.equal(a.annotations.sport, "40001");
    assert.ok(a.annotations.summary.includes("sid 2000537"));
    assert.equal(b.labels.src, "unknown", "an empty label value would drop the label");
    assert.equal(b.labels.severity, "info");
    assert.equal(b.labels.category, undefined);
    assert.equal(b.annotations.sport, undefined);
    assert.equal(c.labels.origin, "behavior");
    assert.equal(c.annotations.episode, "scan 20 in 60s (threshold 20)");
    for (const x of alerts) {
      for (const v of [...Object.values(x.labels), ...Object.values(x.annotations)]) {
        assert.equal(typeof v, "string");
      }
    }
  } finally {
    await hook.close();
    await rx.close();
  }
});

test("webhook: receiver down, then slow (past the request timeout), then back: every queued alert arrives in order, none lost", async () => {
  const port = await closedPort();
  const outages: string[] = [];
  const resumes: OutageEnd[] = [];
  const hook = new WebhookWriter(`http://127.0.0.1:${port}/hook`, {
    maxQueue: 10,
    maxAttempts: 1000,
    backoffMinMs: 10,
    backoffMaxMs: 50,
    timeoutMs: 200,
    onOutage: (_e, cause) => outages.push(cause),
    onResume: (end) => resumes.push(end),
  });
  let mode: "slow" | "fast" = "slow";
  let rx: Awaited<ReturnType<typeof receiver>> | undefined;
  try {
    for (let i = 0; i < 5; i++) hook.handle(alert(i));
    // Down: nothing listens, so each attempt is refused and retried.
    await eventually(() => hook.retries >= 3, 5000, "retries while the receiver is down");
    assert.equal(outages.length, 1, "one outage reported, however many retries");
    assert.notEqual(outages[0], "timeout");
    assert.equal(hook.sent, 0);

    // Slow: answers 2 s after each request, far past the 200 ms timeout.
    rx = await receiver(
      () => (mode === "slow" ? { status: 200, delayMs: 2000 } : { status: 200 }),
      port,
    );
    await eventually(
      () => rx!.requests.length >= 2 && hook.outageCause === "timeout",
      10_000,
      "requests timing out at the slow receiver",
    );
    assert.equal(hook.sent, 0, "a response after the timeout does not count");

    // Meanwhile the queue holds 10: 5 more fit, 5 are dropped, counted, without waiting.
    for (let i = 5; i < 15; i++) hook.handle(alert(i));
    assert.deepEqual(hook.droppedByCause, { "queue-full": 5 });
    assert.equal(hook.pending, 10);

    // Back.
    mode = "fast";
    await eventually(() => hook.sent === 10, 10_000, "delivery once the receiver is back");
    assert.equal(hook.failed, 0);
    assert.equal(hook.dropped, 5);
    assert.equal(resumes.length, 1);
    assert.equal(resumes[0].cause, outages[0], "the resume names the outage's first cause");
    assert.equal(resumes[0].dropped, 5);

    // At least once: a request that timed out may have been processed and is sent
    // again with the same Idempotency-Key. By key, each alert arrives exactly once, in order.
    const byKey = new Map<string, string>();
    const order: string[] = [];
    for (const r of rx.requests) {
      const key = String(r.headers["idempotency-key"]);
      const seen = byKey.get(key);
      if (seen === undefined) {
        byKey.set(key, r.body);
        order.push(JSON.parse(r.body).uid);
      } else assert.equal(r.body, seen, "a retry is the same request");
    }
    assert.deepEqual(order, Array.from({ length: 10 }, (_, i) => alert(i).uid));
    assert.ok(
      rx.requests.length > 10,
      "the timed-out request reached the receiver and was retried",
    );
    assert.ok(hook.retries >= rx.requests.length - 10);
  } finally {
    await within(hook.close(), 5000, "close");
    await rx?.close();
  }
});

test("webhook: a full queue drops with queue-full counted, and handle returns at once", async () => {
  const port = await closedPort();
  const hook = new WebhookWriter(`http://127.0.0.1:${port}/`, {
    maxQueue: 100,
    backoffMinMs: 10_000,
    closeTimeoutMs: 100,
  });
  try {
    for (let i = 0; i < 10_000; i++) hook.handle(alert(i));
    // handle is synchronous: all 10,000 were decided before this line.
    assert.equal(hook.pending, 100);
    assert.deepEqual(hook.droppedByCause, { "queue-full": 9_900 });
  } finally {
    await within(hook.close(), 5000, "close");
  }
  assert.deepEqual(hook.droppedByCause, { "queue-full": 9_900, "close-timeout": 100 });
  assert.equal(hook.dropped, 10_000);
});

test("webhook: 4xx is refused for good (not retried, reported once); 429 and 5xx are retried, Retry-After capped", async () => {
  let n = 0;
  const rx = await receiver(() => {
    n++;
    if (n <= 3) return { status: 404 };
    if (n === 4) return { status: 429, headers: { "retry-after": "3600" } };
    if (n === 5) {
      return { status: 503, headers: { "retry-after": "Wed, 21 Oct 2099 07:28:00 GMT" } };
    }
    return { status: 204 };
  });
  const rejected: number[] = [];
  const hook = new WebhookWriter(`http://127.0.0.1:${rx.port}/`, {
    backoffMinMs: 10,
    backoffMaxMs: 20,
    onRejected: (_e, status) => rejected.push(status),
  });
  try {
    for (let i = 0; i < 4; i++) hook.handle(alert(i));
    // An hour's Retry-After would time this out: the cap (20 ms) applies.
    await eventually(() => hook.sent === 1, 5000, "the 4th alert after 429 and 503");
    assert.equal(hook.failed, 3);
    assert.deepEqual(hook.failedByCause, { "http-404": 3 });
    assert.deepEqual(rejected, [404]);
    assert.equal(hook.retries, 2);
    assert.equal(rx.requests.length, 6);
    assert.equal(JSON.parse(rx.requests[5].body).uid, alert(3).uid);
  } finally {
    await hook.close();
    await rx.close();
  }
});

test("webhook: close() is bounded when the receiver never comes back, or never answers", async () => {
  const port = await closedPort();
  const down = new WebhookWriter(`http://127.0.0.1:${port}/`, {
    backoffMinMs: 60_000,
    closeTimeoutMs: 300,
  });
  for (let i = 0; i < 3; i++) down.handle(alert(i));
  await eventually(() => down.outageCause !== undefined, 5000, "the first refusal");
  await within(down.close(), 5000, "close with the receiver down");
  assert.equal(down.sent, 0);
  assert.deepEqual(down.droppedByCause, { "close-timeout": 3 });
  down.handle(alert(9));
  assert.deepEqual(down.droppedByCause, { "close-timeout": 3, closed: 1 }, "counted, not queued");

  // A receiver that takes requests and never answers: close aborts the request under way.
  const mute = await receiver(() => ({ status: 200, delayMs: 60_000 }));
  const hang = new WebhookWriter(`http://127.0.0.1:${mute.port}/`, {
    timeoutMs: 60_000,
    closeTimeoutMs: 300,
  });
  try {
    hang.handle(alert(1));
    await eventually(() => mute.requests.length === 1, 5000, "the request to arrive");
    await within(hang.close(), 5000, "close with a request hanging");
    assert.deepEqual(hang.droppedByCause, { "close-timeout": 1 });
  } finally {
    await mute.close();
  }
});

test("webhook: the URL is validated at construction, naming the flag value", () => {
  assert.throws(() => new WebhookWriter("ftp://example.com/x"), {
    name: "TypeError",
    message: 'Invalid --webhook "ftp://example.com/x": expected an http:// or https:// URL',
  });
  assert.throws(() => new WebhookWriter("not a url"), TypeError);
  assert.throws(() => new WebhookWriter("https://u:p@example.com/"), /without user:password/);
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => new WebhookWriter("https://example.com/", { format: "teams" as any }),
    /expected one of json, slack, discord, alertmanager/,
  );
  assert.throws(() => new WebhookWriter("https://example.com/", { maxQueue: 0 }), RangeError);
});
