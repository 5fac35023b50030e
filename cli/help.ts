/**
 * Help text of the CLI.
 *
 * @module
 */

/** `sockscope --help`. */
export const HELP: string = `sockscope - socket-level network monitor

Usage:
  sockscope [listen] [options]      listen on TCP/UDP ports and record every connection

Options for listen:
  -p, --port SPEC          TCP ports: 8000, 8000,8022 or 9000-9010 (repeatable; default 8000)
  -u, --udp SPEC           UDP ports, same forms (default none)
  -H, --host ADDR          address to bind (default 127.0.0.1; ::1, ::, 0.0.0.0 work)
      --max-conns N        concurrent connections; more are closed at once and logged as drops (default 10000)
      --idle-timeout DUR   close connections idle this long: 30s, 5m, 1h (default: never)
      --banner TEXT        send TEXT on connect; escapes \\r \\n \\t \\\\ \\xNN
      --capture-bytes N    bytes kept per direction per connection for display and the log (default 4096)
      --print MODE         show received data as text (escaped; default), hex, or none
      --log FILE           append NDJSON events to FILE; - for stdout (console lines then go to stderr)
      --adapter NAME       socket adapter: deno, node or bun (default: the running runtime's)
  -h, --help               show this help
  -V, --version            show the version

Ctrl-C (SIGINT) or SIGTERM stops accepting, closes open connections, flushes the log
and prints a summary; a second signal exits at once. A closed stdout (| head) does the
same as SIGTERM. SIGHUP reopens the --log file (log rotation: rename it, then kill -HUP).

Exit codes: 0 ok, 1 runtime failure (port in use, address not available), 2 wrong flag or value.
Events: see docs/events.md.
`;
