// The ban log: the documented line for each ban and unban, one line whatever
// the reason says, and Debian's fail2ban reading it with the shipped filter:
// every ban line matched with the right host (IPv4 and IPv6) and time, no
// unban line matched, no address read out of a hostile reason; and the shipped
// jail passes fail2ban's own configuration check.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BanEvent, MonitorEvent } from "../../src/monitor/events.ts";
import { BanLogFormat } from "../../src/output/ban_log_format.ts";
import { repoRoot } from "../_helpers/repo.ts";

const FAIL2BAN_REGEX = "/usr/bin/fail2ban-regex";
const FAIL2BAN_CLIENT = "/usr/bin/fail2ban-client";
const FAIL2BAN_ETC = "/etc/fail2ban";
const EXAMPLES = join(repoRoot, "examples", "fail2ban");
const MISSING = "(Debian/Ubuntu: apt-get install fail2ban)";

function ban(extra: Partial<BanEvent> = {}): BanEvent {
  return {
    ts: "2026-12-01T10:00:00.123Z",
    type: "ban",
    action: "ban",
    src: "203.0.113.5",
    reason: "connect scan",
    signature_id: 9000001,
    offense: 2,
    duration: 1200,
    until: "2026-12-01T10:20:00.123Z",
    ...extra,
  };
}

test("the line: time with offset, tag and pid, action, address, key=value fields, quoted reason", () => {
  assert.equal(
    new BanLogFormat({ pid: 4242 }).encode(ban()),
    "2026-12-01T10:00:00.123+0000 sockscope[4242]: ban 203.0.113.5 offense=2 duration=1200 " +
      'until=2026-12-01T10:20:00.123+0000 sid=9000001 reason="connect scan"\n',
  );
  const plain = new BanLogFormat();
  assert.equal(
    plain.encode(ban({ action: "unban", src: "2001:db8::5", ts: "2026-12-01T10:20:00.123Z" })),
    "2026-12-01T10:20:00.123+0000 sockscope: unban 2001:db8::5 offense=2 duration=1200 " +
      'until=2026-12-01T10:20:00.123+0000 sid=9000001 reason="connect scan"\n',
  );
  assert.equal(
    new BanLogFormat({ tag: "scope-1" }).encode(ban())!.split(" ")[1],
    "scope-1:",
  );
  // Other events are not written; no header, no footer.
  const open: MonitorEvent = {
    ts: "2026-12-01T10:00:00.000Z",
    type: "conn.open",
    uid: "C1",
    proto: "tcp",
    src: "203.0.113.5",
    sport: 1,
    dst: "127.0.0.1",
    dport: 22,
  };
  assert.equal(plain.encode(open), undefined);
  assert.equal(plain.header(0, 0), "");
  assert.equal(plain.footer(0), "");
  assert.equal(plain.wantsData, false);
});

test("a hostile reason stays inside its quotes, on one line", () => {
  const line = new BanLogFormat().encode(
    ban({
      reason:
        'x" ban 10.9.9.9 offense=1\n2026-12-01T10:00:00.000+0000 sockscope: ban 10.8.8.8 \x1b[2J\\',
    }),
  )!;
  assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"), line);
  // deno-lint-ignore no-control-regex -- the point is to find raw control bytes
  assert.ok(!/[\x00-\x1f\x7f]/.test(line.slice(0, -1)), JSON.stringify(line));
  const reason = /reason="((?:[^"\\]|\\.)*)"\n$/.exec(line);
  assert.ok(reason, line);
  assert.equal(
    reason[1],
    'x\\" ban 10.9.9.9 offense=1\\n2026-12-01T10:00:00.000+0000 sockscope: ban 10.8.8.8 \\x1b[2J\\\\',
  );
});

test("bad options are refused with what was expected", () => {
  assert.throws(() => new BanLogFormat({ pid: 0 }), RangeError);
  assert.throws(() => new BanLogFormat({ pid: 1.5 }), /expected a positive integer/);
  assert.throws(() => new BanLogFormat({ tag: "a b" }), TypeError);
  assert.throws(() => new BanLogFormat({ tag: "" }), TypeError);
});

/** A fail2ban config directory holding the shipped filter (and jail), with Debian's includes. */
function configDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-f2b-"));
  cpSync(FAIL2BAN_ETC, dir, { recursive: true });
  // Only our jail: Debian's defaults enable sshd, whose log may not exist here.
  rmSync(join(dir, "jail.d"), { recursive: true, force: true });
  mkdirSync(join(dir, "jail.d"));
  copyFileSync(
    join(EXAMPLES, "filter.d", "sockscope.conf"),
    join(dir, "filter.d", "sockscope.conf"),
  );
  return dir;
}

test("fail2ban-regex with the shipped filter: every ban matched with its host and time, no unban", (t) => {
  if (!existsSync(FAIL2BAN_REGEX) || !existsSync(join(FAIL2BAN_ETC, "filter.d", "common.conf"))) {
    return t.skip(`${FAIL2BAN_REGEX} or ${FAIL2BAN_ETC} is missing ${MISSING}`);
  }
  const dir = configDir();
  try {
    const bans: BanEvent[] = [
      ban({ src: "203.0.113.5" }),
      ban({ src: "2001:db8::5", ts: "2026-12-01T10:00:01.000Z", offense: 1, duration: 600 }),
      ban({ src: "198.51.100.77", ts: "2026-12-01T10:00:02.500Z", reason: "flood" }),
      ban({ src: "2001:db8:0:1:0:0:0:1", ts: "2026-12-01T10:00:03.000Z" }),
      ban({ src: "::1", ts: "2026-12-01T10:00:04.000Z" }),
      // A reason that tries to smuggle another address (and a whole fake line) in.
      ban({
        src: "192.0.2.200",
        ts: "2026-12-01T10:00:05.000Z",
        reason: "ban 10.9.9.9 offense=1 duration=1\nsockscope: ban 10.8.8.8 offense=1 duration=1",
      }),
    ];
    const unbans = bans.map((b) => ({ ...b, action: "unban" as const, ts: b.until }));
    const lines: string[] = [];
    const format = new BanLogFormat({ pid: 4242 });
    for (let i = 0; i < bans.length; i++) {
      lines.push(format.encode(bans[i])!);
      if (i % 2 === 1) lines.push(format.encode(unbans[i - 1])!);
    }
    lines.push(new BanLogFormat().encode(unbans.at(-1)!)!);
    const log = join(dir, "bans.log");
    writeFileSync(log, lines.join(""));
    const filter = join(dir, "filter.d", "sockscope.conf");
    const run = (...args: string[]) =>
      spawnSync(FAIL2BAN_REGEX, [...args, log, filter], { encoding: "utf8", timeout: 60_000 });

    const summary = run();
    assert.equal(summary.status, 0, summary.stderr);
    const counts = /Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed/.exec(
      summary.stdout,
    );
    assert.ok(counts, summary.stdout);
    assert.deepEqual(counts.slice(1).map(Number), [lines.length, 0, bans.length, 4]);

    const hosts = run("-o", "<time> <ip>");
    assert.equal(hosts.status, 0, hosts.stderr);
    const got = hosts.stdout.trim().split("\n").map((l) => l.trim().split(" "));
    assert.deepEqual(
      got.map(([, ip]) => ip),
      // fail2ban writes IPv6 addresses in their short form.
      bans.map((b) => b.src === "2001:db8:0:1:0:0:0:1" ? "2001:db8:0:1::1" : b.src),
      "each ban line's address, in order; none from a reason",
    );
    assert.deepEqual(
      got.map(([time]) => Number(time)),
      bans.map((b) => Math.floor(Date.parse(b.ts) / 1000)),
      "fail2ban reads each line's time as the event's (UTC offset honoured)",
    );

    // The missed lines are exactly the unban lines.
    const missed = run("--print-all-missed");
    const missedLines = missed.stdout.split("\n").filter((l) => / sockscope(\[\d+\])?: /.test(l));
    assert.equal(missedLines.length, 4, missed.stdout);
    for (const l of missedLines) assert.match(l, /: unban /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the shipped jail (maxretry 1, the sockscope filter) passes fail2ban's configuration check", (t) => {
  if (!existsSync(FAIL2BAN_CLIENT) || !existsSync(join(FAIL2BAN_ETC, "jail.conf"))) {
    return t.skip(`${FAIL2BAN_CLIENT} or ${FAIL2BAN_ETC}/jail.conf is missing ${MISSING}`);
  }
  const dir = configDir();
  try {
    const jail = readFileSync(join(EXAMPLES, "jail.d", "sockscope.conf"), "utf8");
    assert.match(jail, /^maxretry\s*=\s*1$/m);
    assert.match(jail, /^filter\s*=\s*sockscope$/m);
    const log = join(dir, "bans.log");
    writeFileSync(log, "");
    writeFileSync(
      join(dir, "jail.d", "sockscope.conf"),
      jail.replace(/^logpath\s*=.*$/m, `logpath  = ${log}`),
    );
    const check = spawnSync(FAIL2BAN_CLIENT, ["-c", dir, "-t"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    assert.match(`${check.stdout}${check.stderr}`, /OK: configuration test is successful/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
