/**
 * Help text of the CLI.
 *
 * @module
 */

/** `sockscope --help`. */
export const HELP: string = `sockscope - socket-level network monitor

Usage:
  sockscope [listen] [options]      listen on TCP/UDP ports and record every connection
  sockscope tap [HOST:]PORT UPSTREAM_HOST:PORT [options]
  sockscope tap --map [HOST:]PORT=HOST:PORT [--map ...] [options]
                                    relay to real services and record the traffic passing through

Options for listen:
  -p, --port SPEC          TCP ports: 8000, 8000,8022 or 9000-9010 (repeatable; default 8000)
  -u, --udp SPEC           UDP ports, same forms (default none)
  -H, --host ADDR          address to bind (default 127.0.0.1; ::1, ::, 0.0.0.0 work)
      --max-conns N        concurrent connections; more are closed at once and logged as drops (default 10000)
      --idle-timeout DUR   close connections idle this long: 30s, 5m, 1h (default: never)
      --banner TEXT        send TEXT on connect; escapes \\r \\n \\t \\\\ \\xNN
      --capture-bytes N    bytes kept per direction per connection for display, log and pcap (default 4096)
      --udp-timeout DUR    a UDP flow ends after this long without a datagram (default 60s)
      --print MODE         show received data as text (escaped; default), hex, or none
      --log FILE           append NDJSON events to FILE; - for stdout (console lines then go to stderr)
      --adapter NAME       socket adapter: deno, node or bun (default: the running runtime's)

Options for tap (with --host, --max-conns, --idle-timeout, --capture-bytes, --print, --log
and the outputs below; not --port, --udp or --banner):
      --map [HOST:]PORT=HOST:PORT  relay local PORT to the service at HOST:PORT (repeatable)
      --connect-timeout DUR        give up on an upstream that does not answer (default 5s)

Standard outputs (listen and tap; any combination):
      --zeek FILE          Zeek conn.log (TSV; a .json name, or --zeek-format json, gives Zeek's JSON)
      --zeek-format FMT    tsv or json
      --eve FILE           Suricata EVE JSON flow events
      --pcap FILE          synthesized packets of every connection, for Wireshark/tshark
      --pcap-max-bytes N   stop writing the pcap at N bytes (what is left out is counted)
      --metrics [HOST:]PORT  serve Prometheus metrics at http://HOST:PORT/metrics (host 127.0.0.1)

  -h, --help               show this help
  -V, --version            show the version

Ctrl-C (SIGINT) or SIGTERM stops accepting, closes open connections, flushes the log
and prints a summary; a second signal exits at once. A closed stdout (| head) does the
same as SIGTERM. SIGHUP reopens every output file (log rotation: rename, then kill -HUP).

Exit codes: 0 ok, 1 runtime failure (port in use, address not available), 2 wrong flag or value.
Events: see docs/events.md.
`;
