// Runs the sockscope CLI as a child process on the same runtime as the tests:
// `deno run -A cli/main.ts` from the sources, `node|bun npm/esm/cli/main.js` from the build.
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parsePortSpec } from "sockscope";
import { runtime } from "./runtimes.ts";
import { within } from "./client.ts";

const fromSources = import.meta.url.endsWith(".ts");
/** Path of the CLI entry matching this test build. */
export const cliPath: string = fileURLToPath(
  new URL(`../../cli/main.${fromSources ? "ts" : "js"}`, import.meta.url),
);

/** The command (executable and leading args) that runs the CLI. */
export function cliCommand(): [string, string[]] {
  return runtime === "deno"
    ? [process.execPath, ["run", "-A", cliPath]]
    : [process.execPath, [cliPath]];
}

export interface CliRun {
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` in stdout (or stderr with `stream`). */
  waitFor(re: RegExp, what: string, stream?: "stdout" | "stderr"): Promise<RegExpMatchArray>;
  signal(sig: "SIGINT" | "SIGTERM" | "SIGHUP"): void;
  exited: Promise<{ code: number | null; signal: string | null }>;
  kill(): void;
}

/**
 * Starts the CLI with `args`; the caller must await `exited` or call `kill()`.
 * `prefix` runs it through another command (e.g. `unshare -n`), which must
 * exec the CLI so that signals and the pid reach it.
 */
export function startCli(
  args: string[],
  env: Record<string, string> = {},
  prefix: string[] = [],
): CliRun & { pid: number } {
  const [cmd, pre] = cliCommand();
  const argv = [...prefix, cmd, ...pre, ...args];
  const child = spawn(argv[0], argv.slice(1), {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const listeners: (() => void)[] = [];
  child.stdout!.on("data", (c: Uint8Array) => {
    out += new TextDecoder().decode(c);
    for (const l of [...listeners]) l();
  });
  child.stderr!.on("data", (c: Uint8Array) => {
    err += new TextDecoder().decode(c);
    for (const l of [...listeners]) l();
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal }))
  );
  return {
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    waitFor(re, what, stream = "stdout") {
      return within(
        new Promise<RegExpMatchArray>((resolve, reject) => {
          const check = () => {
            const m = (stream === "stdout" ? out : err).match(re);
            if (m) {
              listeners.splice(listeners.indexOf(check), 1);
              resolve(m);
            }
          };
          listeners.push(check);
          check();
          exited.then(() => {
            const m = (stream === "stdout" ? out : err).match(re);
            if (m) resolve(m);
            else reject(new Error(`CLI exited before ${what}; stdout: ${out} stderr: ${err}`));
          });
        }),
        20000,
        what,
      );
    },
    // process.kill, not child.kill: Deno's child_process then reports the signal as the exit cause.
    signal: (sig) => process.kill(child.pid!, sig),
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

/**
 * Waits for the console's line for the listeners of `proto` on 127.0.0.1 and
 * returns the ports it names, sorted (`listening on tcp
 * 127.0.0.1:21-23,80 (4 ports)` gives 21, 22, 23, 80).
 */
export async function listeningPorts(run: CliRun, proto: "tcp" | "udp"): Promise<number[]> {
  const [, runs] = await run.waitFor(
    new RegExp(`listening on ${proto} 127\\.0\\.0\\.1:([\\d,-]+) \\(\\d+ ports\\)`),
    `the ${proto} listening line`,
  );
  return parsePortSpec(runs); // the line's runs are in `-p`'s own form
}

/** Runs the CLI to completion and returns its exit code and output. */
export async function runCli(args: string[], env: Record<string, string> = {}) {
  const run = startCli(args, env);
  const { code } = await within(run.exited, 30000, `sockscope ${args.join(" ")}`);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
