#!/usr/bin/env node
/**
 * The `sockscope` command. Thin: parse argv, call the library, map errors to
 * one line and an exit code (2 for usage, 1 for runtime failures).
 *
 * ```sh
 * deno run -A jsr:@sockscope/sockscope/cli listen -p 8000
 * npx sockscope listen -p 8000
 * ```
 *
 * @module
 */

import { loadPlatform, type Platform } from "../src/runtime/platform.ts";
import { VERSION } from "../src/version.ts";
import { parseCommand } from "./args.ts";
import { HELP } from "./help.ts";
import { runListen } from "./listen_command.ts";
import { runCheck } from "./check_command.ts";
import { UsageError } from "./usage_error.ts";
import { dropStackTraces } from "./stack_traces.ts";

const encoder = new TextEncoder();

/**
 * Runs the CLI with `args` (default: the process's) and resolves with the exit code.
 *
 * @example
 * ```ts
 * import { main } from "@sockscope/sockscope/cli";
 * const code = await main(["--version"]);
 * console.log(code); // 0
 * ```
 */
export async function main(args?: readonly string[]): Promise<number> {
  const platform = await loadPlatform();
  return await run(platform, args ?? platform.args);
}

async function run(platform: Platform, args: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseCommand(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    await platform.stderr.write(encoder.encode(`sockscope: ${err.message}\n`));
    return 2;
  }
  switch (command.kind) {
    case "help":
      await platform.stdout.write(encoder.encode(HELP));
      return 0;
    case "version":
      await platform.stdout.write(
        encoder.encode(`sockscope ${VERSION} (${platform.runtime} ${platform.runtimeVersion})\n`),
      );
      return 0;
    case "listen":
      return await runListen(platform, command);
    case "check":
      return await runCheck(platform, command);
  }
}

export { loadPlatform } from "../src/runtime/platform.ts";
export type { Platform, SignalName, StdStream } from "../src/runtime/platform.ts";

const platform = await loadPlatform();
if (platform.isMain(import.meta)) {
  dropStackTraces(platform.env);
  platform.exit(await run(platform, platform.args));
}
