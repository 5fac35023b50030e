/**
 * Help text of the CLI.
 *
 * @module
 */

/** `sockscope --help`. */
export const HELP: string = `sockscope - socket-level network monitor

Usage:
  sockscope [listen] [options]      listen on TCP/UDP ports and record every connection
  sockscope tap [udp:][HOST:]PORT UPSTREAM_HOST:PORT [options]
  sockscope tap --map [udp:][HOST:]PORT=HOST:PORT [--map ...] [options]
                                    relay to real services and record the traffic passing through
  sockscope check --rules FILE [--rules FILE ...] [--var NAME=VALUE ...]
                                    load Suricata rules and report what loads and what is skipped

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
  -q, --quiet              no line per connection on the console (alerts, drops, warnings and
                           the summary still print); for runs whose records go to files
      --log FILE           append NDJSON events to FILE; - for stdout (console lines then go to stderr)
      --adapter NAME       socket adapter: deno, node or bun (default: the running runtime's)

Options for tap (with --host, --max-conns, --idle-timeout, --capture-bytes, --print, --quiet,
--log and the outputs below; not --port, --udp or --banner):
      --map [HOST:]PORT=HOST:PORT  relay local PORT to the service at HOST:PORT (repeatable);
                                   udp:[HOST:]PORT=HOST:PORT relays UDP, flow by flow
      --connect-timeout DUR        give up on an upstream that does not answer (default 5s)

Standard outputs (listen and tap; any combination):
      --zeek FILE          Zeek conn.log (TSV; a .json name, or --zeek-format json, gives Zeek's JSON)
      --zeek-format FMT    tsv or json
      --eve FILE           Suricata EVE JSON flow events
      --pcap FILE          synthesized packets of every connection, for Wireshark/tshark
      --pcap-max-bytes N   stop writing the pcap at N bytes (what is left out is counted)
      --metrics [HOST:]PORT  serve Prometheus metrics at http://HOST:PORT/metrics (host 127.0.0.1)

Detection (listen and tap; on by default, per source address):
      --no-detect          turn the behaviour detectors off (rules and bans still work)
      --detect-scan N/DUR  alert when one source touches N local ports within DUR (default 5/60s; off)
      --detect-sweep N/DUR ... N local addresses (default 5/60s; off)
      --detect-flood N/DUR ... N new connections (default 500/10s; off)
      --detect-concurrency N  ... N connections open at once (default 256; off)
      --detect-empty N/DUR ... N connections that sent nothing (default 20/60s; off)
      --allow CIDR,...     only these sources may connect (repeatable); others are closed on accept
      --deny CIDR,...      these sources may not connect (repeatable)
      --ban                an alert bans its source: closed on accept for the ban time
      --ban-time DUR       first ban's length (default 10m); each repeat doubles it
      --ban-max-time DUR   longest ban (default 1w)
      --ban-ignore CIDR,.. sources never banned
      --ban-log FILE       one line per ban for fail2ban (examples/fail2ban/)
      --rules FILE         Suricata rules (repeatable); unsupported rules are skipped and counted
      --var NAME=VALUE     rule variable, e.g. HOME_NET=[127.0.0.0/8] (repeatable)
      --rules-strict       a skipped rule is fatal (exit 2)
      --webhook URL        POST each alert (repeatable); --webhook-format json, slack, discord,
                           alertmanager (Alertmanager: http://HOST:9093/api/v2/alerts)
      --syslog URL         RFC 5424 alerts to udp://HOST:PORT or tcp://HOST:PORT (repeatable)

  -h, --help               show this help
  -V, --version            show the version

Ctrl-C (SIGINT) or SIGTERM stops accepting, closes open connections, flushes the log
and prints a summary; a second signal exits at once. A closed stdout (| head) does the
same as SIGTERM. SIGHUP reopens every output file (log rotation: rename, then kill -HUP).

Exit codes: 0 ok, 1 runtime failure (port in use, address not available), 2 wrong flag or value.
Events: see docs/events.md; rules: docs/rules.md; alerts: docs/alerts.md.
`;
