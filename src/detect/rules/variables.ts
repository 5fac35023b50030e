/**
 * Rule variables (`$HOME_NET`, `$HTTP_PORTS`, ...) with Suricata's defaults
 * and their resolution inside address and port groups.
 *
 * @module
 */

/**
 * The `vars` section of Suricata's default `suricata.yaml`: address groups
 * and port groups. `loadRules({ vars })` overrides any of them; a honeypot on
 * 127.0.0.1 sets `HOME_NET` to include it.
 *
 * @example
 * ```ts
 * import { SURICATA_DEFAULT_VARS } from "@sockscope/sockscope";
 * SURICATA_DEFAULT_VARS.HOME_NET; // "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"
 * ```
 */
export const SURICATA_DEFAULT_VARS: Readonly<Record<string, string>> = Object.freeze({
  HOME_NET: "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]",
  EXTERNAL_NET: "!$HOME_NET",
  HTTP_SERVERS: "$HOME_NET",
  SMTP_SERVERS: "$HOME_NET",
  SQL_SERVERS: "$HOME_NET",
  DNS_SERVERS: "$HOME_NET",
  TELNET_SERVERS: "$HOME_NET",
  AIM_SERVERS: "$EXTERNAL_NET",
  DC_SERVERS: "$HOME_NET",
  DNP3_SERVER: "$HOME_NET",
  DNP3_CLIENT: "$HOME_NET",
  MODBUS_CLIENT: "$HOME_NET",
  MODBUS_SERVER: "$HOME_NET",
  ENIP_CLIENT: "$HOME_NET",
  ENIP_SERVER: "$HOME_NET",
  HTTP_PORTS: "80",
  SHELLCODE_PORTS: "!80",
  ORACLE_PORTS: "1521",
  SSH_PORTS: "22",
  DNP3_PORTS: "20000",
  MODBUS_PORTS: "502",
  FILE_DATA_PORTS: "[$HTTP_PORTS,110,143]",
  FTP_PORTS: "21",
  GENEVE_PORTS: "6081",
  VXLAN_PORTS: "4789",
  TEREDO_PORTS: "3544",
  SIP_PORTS: "[5060,5061]",
});

/**
 * Thrown while compiling one rule: the rule is skipped, naming `keyword`.
 *
 * @example
 * ```ts
 * import { RuleSkip } from "./variables.ts";
 * const e = new RuleSkip("flowbits", "unsupported");
 * e.keyword; // "flowbits"
 * ```
 */
export class RuleSkip extends Error {
  /** What to count the skip under in the report. */
  readonly keyword: string;
  /** Creates a skip for `keyword` with a message saying what was expected. */
  constructor(keyword: string, message: string) {
    super(message);
    this.name = "RuleSkip";
    this.keyword = keyword;
  }
}

/** Report key of rules that use an undefined variable. */
export const UNDEFINED_VARIABLE = "(undefined variable)";

/**
 * Looks a `$NAME` up, throwing a skip naming it when it is undefined.
 *
 * @example
 * ```ts
 * import { lookupVar } from "./variables.ts";
 * lookupVar({ A: "80" }, "$A", []); // "80"
 * ```
 */
export function lookupVar(
  vars: Readonly<Record<string, string>>,
  ref: string,
  stack: readonly string[],
): string {
  const name = ref.slice(1);
  if (!Object.hasOwn(vars, name)) {
    throw new RuleSkip(
      UNDEFINED_VARIABLE,
      `undefined variable "${ref}": define it with --var ${name}=VALUE`,
    );
  }
  if (stack.includes(name)) {
    throw new RuleSkip(
      UNDEFINED_VARIABLE,
      `variable "${ref}" refers to itself (${[...stack, name].join(" -> ")})`,
    );
  }
  return vars[name];
}

/**
 * Splits a group's inside (`a,[b,c],!d`) at top-level commas.
 *
 * @example
 * ```ts
 * import { splitGroup } from "./variables.ts";
 * splitGroup("80,[81,82],!83"); // ["80", "[81,82]", "!83"]
 * ```
 */
export function splitGroup(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (c === "," && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out;
}
