/**
 * Parses and compiles one Suricata rule. Anything sockscope cannot do
 * exactly is refused with a {@linkcode RuleSkip} naming the keyword, so the
 * caller can skip the rule and report it, as Suricata does with rules it
 * cannot load.
 *
 * @module
 */

import type { ServiceName } from "../app_info.ts";
import { type AddressGroup, parseAddressGroup } from "./address_group.ts";
import {
  bufferService,
  CONTENT_MODIFIERS,
  RESPONSE_BUFFERS,
  STICKY_BUFFERS,
  TRANSFORMS,
} from "./buffers.ts";
import { parseByteJump, parseByteTest } from "./byte_ops.ts";
import { CLASSIFICATIONS } from "./classification.ts";
import { LOWER, parseContent } from "./content_bytes.ts";
import { type IntCompare, parseIntCompare } from "./int_compare.ts";
import { translatePcre } from "./pcre_translate.ts";
import { parsePortGroup, type PortGroup } from "./port_group.ts";
import type {
  BufferSpec,
  CompiledRule,
  ContentItem,
  FlowbitOp,
  InspectItem,
  ThresholdSpec,
} from "./rule_model.ts";
import type { RuleMatch } from "./rule_types.ts";
import { RuleSkip } from "./variables.ts";

/** Report key of rules that cannot be parsed at all. */
export const MALFORMED = "(malformed)";

/** Keywords that only describe the rule or tune Suricata itself: accepted, no effect on matching. */
const NO_EFFECT = new Set(["reference", "rawbytes", "tag", "fast_pattern"]);

const COLON = 0x3a;
const SEMI = 0x3b;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * One `name[:value];` option as written.
 *
 * @example
 * ```ts
 * import type { RuleOption } from "./rule_parser.ts";
 * const o: RuleOption = { name: "content", value: '"GET"' };
 * ```
 */
export interface RuleOption {
  /** Keyword. */
  readonly name: string;
  /** Value (trimmed), if any. */
  readonly value?: string;
}

/**
 * Splits the inside of a rule's parentheses into options, honouring quotes
 * and `\;` escapes.
 *
 * @example
 * ```ts
 * import { splitOptions } from "./rule_parser.ts";
 * splitOptions('msg:"a\\;b"; sid:1;').map((o) => o.name); // ["msg", "sid"]
 * ```
 *
 * @throws {RuleSkip} When an option is not terminated by `;`.
 */
export function splitOptions(body: string): RuleOption[] {
  const out: RuleOption[] = [];
  let i = 0;
  const n = body.length;
  while (i < n) {
    while (i < n && isSpace(body.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n) {
      const c = body.charCodeAt(i);
      if (c === COLON || c === SEMI) break;
      i++;
    }
    const name = body.slice(start, i).trim();
    if (name === "" || /\s/.test(name)) {
      throw new RuleSkip(
        MALFORMED,
        `invalid option "${body.slice(start, start + 40)}": expected NAME[:VALUE];`,
      );
    }
    if (i >= n) throw new RuleSkip(MALFORMED, `option "${name}" is not terminated by ";"`);
    if (body.charCodeAt(i) === SEMI) {
      out.push({ name });
      i++;
      continue;
    }
    i++; // ':'
    const vstart = i;
    let quoted = false;
    while (i < n) {
      const c = body.charCodeAt(i);
      if (c === BACKSLASH) {
        i += 2;
        continue;
      }
      if (c === QUOTE) quoted = !quoted;
      else if (c === SEMI && !quoted) break;
      i++;
    }
    if (i >= n) throw new RuleSkip(MALFORMED, `option "${name}" is not terminated by ";"`);
    out.push({ name, value: body.slice(vstart, i).trim() });
    i++;
  }
  return out;
}

/** Splits a rule header into its fields, keeping `[a, b]` groups whole. */
function headerFields(header: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i <= header.length; i++) {
    const c = i < header.length ? header.charCodeAt(i) : 0x20;
    if (c === 0x5b) depth++;
    else if (c === 0x5d) depth--;
    if (isSpace(c) && depth === 0) {
      if (start !== -1) out.push(header.slice(start, i));
      start = -1;
    } else if (start === -1) start = i;
  }
  return out;
}

function unquote(keyword: string, value: string | undefined): string {
  const v = need(keyword, value);
  if (v.length < 2 || !v.startsWith('"') || !v.endsWith('"')) {
    throw new RuleSkip(keyword, `${keyword} value ${v} is not quoted: expected "..."`);
  }
  return v.slice(1, -1).replace(/\\(.)/g, "$1");
}

function need(keyword: string, value: string | undefined): string {
  if (value === undefined || value === "") {
    throw new RuleSkip(keyword, `${keyword} needs a value: expected ${keyword}:VALUE`);
  }
  return value;
}

function integer(keyword: string, value: string | undefined, min: number, max: number): number {
  const v = need(keyword, value);
  if (!/^-?\d+$/.test(v)) {
    throw new RuleSkip(
      keyword,
      `${keyword} value "${v}" is not an integer${
        /^[A-Za-z_]/.test(v) ? " (byte_extract variables are not supported)" : ""
      }: expected ${min}-${max}`,
    );
  }
  const n = Number(v);
  if (n < min || n > max) {
    throw new RuleSkip(keyword, `${keyword} value "${v}" is out of range: expected ${min}-${max}`);
  }
  return n;
}

function compare(keyword: string, value: string | undefined): IntCompare {
  try {
    return parseIntCompare(keyword, need(keyword, value));
  } catch (e) {
    if (e instanceof RuleSkip) throw e;
    throw new RuleSkip(keyword, (e as Error).message);
  }
}

const PROTOCOLS: Readonly<
  Record<string, { transport: "tcp" | "udp" | "ip"; service?: ServiceName }>
> = {
  tcp: { transport: "tcp" },
  "tcp-pkt": { transport: "tcp" },
  "tcp-stream": { transport: "tcp" },
  udp: { transport: "udp" },
  ip: { transport: "ip" },
  http: { transport: "tcp", service: "http" },
  http1: { transport: "tcp", service: "http" },
  tls: { transport: "tcp", service: "tls" },
  ssh: { transport: "tcp", service: "ssh" },
  dns: { transport: "ip", service: "dns" },
};

const SKIPPED_ACTIONS = new Set(["drop", "reject", "rejectsrc", "rejectdst", "rejectboth", "pass"]);

interface Sticky {
  name: string;
  transforms: string[];
  used: boolean;
}

function parseThreshold(keyword: string, value: string | undefined): ThresholdSpec {
  const fields = new Map<string, string>();
  for (const part of need(keyword, value).split(",")) {
    const [k, v, extra] = part.trim().split(/\s+/);
    if (k === undefined || v === undefined || extra !== undefined || fields.has(k)) {
      throw new RuleSkip(
        keyword,
        `${keyword} "${value}": expected "type T, track by_src|by_dst, count N, seconds S"`,
      );
    }
    fields.set(k, v);
  }
  const type = keyword === "detection_filter" ? "detection" : fields.get("type");
  if (type !== "limit" && type !== "threshold" && type !== "both" && type !== "detection") {
    throw new RuleSkip(keyword, `${keyword} type "${type}": expected limit, threshold or both`);
  }
  const track = fields.get("track");
  if (track !== "by_src" && track !== "by_dst" && track !== "by_both" && track !== "by_rule") {
    throw new RuleSkip(
      keyword,
      `${keyword} track "${track}": expected by_src, by_dst, by_both or by_rule`,
    );
  }
  for (const k of fields.keys()) {
    if (
      !["type", "track", "count", "seconds"].includes(k) || (k === "type" && type === "detection")
    ) {
      throw new RuleSkip(
        keyword,
        `${keyword} option "${k}" is not supported: expected type, track, count, seconds`,
      );
    }
  }
  const count = integer(keyword, fields.get("count"), 1, 2 ** 31);
  const seconds = integer(keyword, fields.get("seconds"), 0, 2 ** 31);
  return { type, track, count, seconds };
}

function parseFlowbits(value: string | undefined): FlowbitOp | "noalert" {
  const v = need("flowbits", value);
  if (v === "noalert") return "noalert";
  const comma = v.indexOf(",");
  const op = (comma === -1 ? v : v.slice(0, comma)).trim();
  const names = comma === -1 ? "" : v.slice(comma + 1).trim();
  if (op !== "set" && op !== "unset" && op !== "toggle" && op !== "isset" && op !== "isnotset") {
    throw new RuleSkip(
      "flowbits",
      `flowbits command "${op}": expected set, unset, toggle, isset, isnotset or noalert`,
    );
  }
  if (names === "") {
    throw new RuleSkip("flowbits", `flowbits:${op} needs a name: expected flowbits:${op},NAME`);
  }
  const list = names.split(op === "isset" || op === "isnotset" ? "|" : "&").map((s) => s.trim());
  if (list.some((s) => s === "" || /[\s&|]/.test(s))) {
    throw new RuleSkip("flowbits", `flowbits names "${names}": expected NAME or NAME|NAME`);
  }
  return { op, names: list };
}

function finishList(spec: BufferSpec): void {
  const items = spec.items;
  for (let j = 0; j < items.length; j++) {
    const it = items[j];
    const relative = it.kind === "content"
      ? it.distance !== undefined || it.within !== undefined
      : it.kind === "pcre"
      ? it.relative
      : (it.kind === "isdataat" || it.kind === "byte_test" || it.kind === "byte_jump") &&
        it.relative;
    if (!relative) continue;
    // The nearest earlier content or pcre is what this keyword is relative to.
    for (let k = j - 1; k >= 0; k--) {
      const p = items[k];
      if (p.kind === "content") {
        if (it.kind === "content" && it.within !== undefined) p.withinNext = true;
        break;
      }
      if (p.kind === "pcre") {
        p.relativeNext = true;
        break;
      }
    }
  }
}

function finishContent(cd: ContentItem, set: Set<string>): void {
  const n = cd.bytes.length;
  const relative = cd.distance !== undefined || cd.within !== undefined;
  if (cd.startswith) {
    if (set.has("offset") || set.has("depth") || relative) {
      throw new RuleSkip(
        "startswith",
        `startswith cannot be combined with offset, depth, distance or within`,
      );
    }
    cd.depth = n;
  } else if (relative && (set.has("offset") || set.has("depth"))) {
    throw new RuleSkip(
      set.has("depth") ? "depth" : "offset",
      `a content cannot mix relative (distance, within) and absolute (offset, depth) modifiers`,
    );
  } else if (set.has("depth")) {
    if (cd.depth < n) {
      throw new RuleSkip("depth", `depth ${cd.depth} is smaller than the content (${n} bytes)`);
    }
    cd.depth += cd.offset;
  }
  if (cd.within !== undefined && cd.within < n) {
    throw new RuleSkip("within", `within ${cd.within} is smaller than the content (${n} bytes)`);
  }
  if (cd.nocase) cd.bytes = cd.bytes.map((b) => LOWER[b]);
}

/**
 * Compiles one rule (the whole text, continuation lines joined).
 *
 * @example
 * ```ts
 * import { compileRule } from "./rule_parser.ts";
 * const r = compileRule('alert tcp any any -> any 80 (msg:"x"; content:"GET"; sid:1;)', {});
 * r.match.sid; // 1
 * ```
 *
 * @throws {RuleSkip} Naming the keyword that cannot be loaded.
 */
export function compileRule(
  text: string,
  vars: Readonly<Record<string, string>>,
  groups: Map<string, AddressGroup | PortGroup> = new Map(),
): CompiledRule {
  const open = text.indexOf("(");
  const s = text.trimEnd();
  if (open === -1 || !s.endsWith(")")) {
    throw new RuleSkip(MALFORMED, `expected "ACTION PROTO SRC SPORT -> DST DPORT (OPTIONS)"`);
  }
  const fields = headerFields(text.slice(0, open));
  if (fields.length !== 7) {
    throw new RuleSkip(
      MALFORMED,
      `header "${text.slice(0, open).trim()}": expected ACTION PROTO SRC SPORT -> DST DPORT`,
    );
  }
  const [action, protoName, srcText, sportText, arrow, dstText, dportText] = fields;
  if (SKIPPED_ACTIONS.has(action)) {
    throw new RuleSkip(
      `action:${action}`,
      `action "${action}": sockscope does not block by rule, only "alert" is loaded`,
    );
  }
  if (action !== "alert") {
    throw new RuleSkip(MALFORMED, `unknown action "${action}": expected alert`);
  }
  const proto = PROTOCOLS[protoName];
  if (proto === undefined) {
    throw new RuleSkip(
      `proto:${protoName}`,
      `protocol "${protoName}" is not supported: expected tcp, udp, ip, http, tls, ssh or dns`,
    );
  }
  if (arrow !== "->" && arrow !== "<>") {
    throw new RuleSkip(MALFORMED, `direction "${arrow}": expected -> or <>`);
  }
  // Rules repeat a few groups ($HOME_NET, any): parse each once per load.
  const address = (t: string): AddressGroup => {
    let g = groups.get(`a ${t}`) as AddressGroup | undefined;
    if (g === undefined) groups.set(`a ${t}`, g = parseAddressGroup(t, vars));
    return g;
  };
  const port = (t: string): PortGroup => {
    let g = groups.get(`p ${t}`) as PortGroup | undefined;
    if (g === undefined) groups.set(`p ${t}`, g = parsePortGroup(t, vars));
    return g;
  };
  const src = address(srcText);
  const sport = port(sportText);
  const dst = address(dstText);
  const dport = port(dportText);

  const options = splitOptions(s.slice(open + 1, -1));
  let msg = "";
  let sid: number | undefined;
  let rev = 0;
  let gid = 1;
  let classtype: string | undefined;
  let priority: number | undefined;
  let metadata: Record<string, string[]> | undefined;
  let target: "src_ip" | "dest_ip" | undefined;
  let dir: "orig" | "resp" | undefined;
  let established: boolean | undefined;
  let dsize: IntCompare | undefined;
  let urilen: { cmp: IntCompare; raw: boolean } | undefined;
  let noalert = false;
  let threshold: ThresholdSpec | undefined;
  const flowbits: FlowbitOp[] = [];
  const lists = new Map<string, BufferSpec>();
  let sticky: Sticky = { name: "pkt", transforms: [], used: false };
  let last: { cd: ContentItem; list: BufferSpec; set: Set<string> } | undefined;
  const contents: { cd: ContentItem; set: Set<string> }[] = [];

  const listFor = (name: string, transforms: readonly string[]): BufferSpec => {
    const key = transforms.length === 0 ? name : `${name}|${transforms.join("|")}`;
    let spec = lists.get(key);
    if (spec === undefined) {
      spec = { key, name, transforms: [...transforms], items: [] };
      lists.set(key, spec);
    }
    return spec;
  };
  const currentList = (): BufferSpec => {
    sticky.used = true;
    return listFor(sticky.name, sticky.transforms);
  };
  const modify = (keyword: string): { cd: ContentItem; set: Set<string> } => {
    if (last === undefined) throw new RuleSkip(keyword, `${keyword} needs a preceding content`);
    if (last.set.has(keyword) && keyword !== "fast_pattern") {
      throw new RuleSkip(keyword, `${keyword} given twice for one content`);
    }
    last.set.add(keyword);
    return last;
  };
  const addItem = (item: InspectItem, list = currentList()): void => {
    list.items.push(item);
  };

  for (const { name, value } of options) {
    if (STICKY_BUFFERS.has(name)) {
      if (value !== undefined) {
        throw new RuleSkip(name, `${name} is a sticky buffer and takes no value`);
      }
      sticky = { name: STICKY_BUFFERS.get(name)!, transforms: [], used: false };
      continue;
    }
    if (RESPONSE_BUFFERS.has(name)) {
      throw new RuleSkip(
        name,
        `"${name}" is a response-side buffer: sockscope parses no HTTP responses or certificates yet`,
      );
    }
    if (TRANSFORMS.has(name)) {
      if (sticky.name === "pkt" || sticky.used) {
        throw new RuleSkip(name, `transform ${name} must directly follow a sticky buffer`);
      }
      sticky.transforms.push(name);
      continue;
    }
    if (CONTENT_MODIFIERS.has(name)) {
      const { cd } = modify(name);
      if (last!.list.name !== "pkt") {
        throw new RuleSkip(
          name,
          `${name} moves a payload content, but this content is in ${last!.list.name} already`,
        );
      }
      const items = last!.list.items;
      items.splice(items.indexOf(cd), 1);
      const to = listFor(CONTENT_MODIFIERS.get(name)!, []);
      to.items.push(cd);
      last!.list = to;
      continue;
    }
    switch (name) {
      case "msg":
        msg = unquote(name, value);
        break;
      case "sid":
        sid = integer(name, value, 1, 2 ** 32 - 1);
        break;
      case "rev":
        rev = integer(name, value, 0, 2 ** 32 - 1);
        break;
      case "gid":
        gid = integer(name, value, 0, 2 ** 32 - 1);
        break;
      case "priority":
        priority = integer(name, value, 1, 255);
        break;
      case "classtype": {
        const c = need(name, value);
        if (!CLASSIFICATIONS.has(c)) {
          throw new RuleSkip(
            name,
            `unknown classtype "${c}": expected one of Suricata's classification.config`,
          );
        }
        classtype = c;
        break;
      }
      case "metadata": {
        metadata ??= {};
        for (const part of need(name, value).split(",")) {
          const p = part.trim();
          if (p === "") continue;
          const sp = p.search(/\s/);
          const k = sp === -1 ? p : p.slice(0, sp);
          const v = sp === -1 ? "" : p.slice(sp).trim();
          (metadata[k] ??= []).push(v);
        }
        break;
      }
      case "target": {
        const t = need(name, value);
        if (t !== "src_ip" && t !== "dest_ip") {
          throw new RuleSkip(name, `target "${t}": expected src_ip or dest_ip`);
        }
        target = t;
        break;
      }
      case "flow":
        for (const f of need(name, value).split(",").map((x) => x.trim())) {
          if (f === "to_server" || f === "from_client") dir = "orig";
          else if (f === "to_client" || f === "from_server") dir = "resp";
          else if (f === "established") established = true;
          else if (f === "not_established") established = false;
          else if (
            f === "stateless" || f === "only_stream"
          ) {
            /* all sockscope sees is stream data */
          } else if (f === "no_stream" || f === "only_frag" || f === "no_frag") {
            throw new RuleSkip(
              name,
              `flow:${f}: sockscope sees reassembled stream bytes, not packets`,
            );
          } else {throw new RuleSkip(
              name,
              `flow option "${f}": expected to_server, to_client, established, stateless`,
            );}
        }
        break;
      case "flowbits": {
        const op = parseFlowbits(value);
        if (op === "noalert") noalert = true;
        else flowbits.push(op);
        break;
      }
      case "noalert":
        noalert = true;
        break;
      case "threshold":
      case "detection_filter":
        if (threshold !== undefined) {
          throw new RuleSkip(name, `only one threshold or detection_filter per rule`);
        }
        threshold = parseThreshold(name, value);
        break;
      case "dsize":
        dsize = compare(name, value);
        break;
      case "urilen": {
        const [cmp, mode] = need(name, value).split(",").map((x) => x.trim());
        if (mode !== undefined && mode !== "raw" && mode !== "norm") {
          throw new RuleSkip(name, `urilen mode "${mode}": expected raw or norm`);
        }
        urilen = { cmp: compare(name, cmp), raw: mode === "raw" };
        break;
      }
      case "content":
      case "uricontent": {
        const { bytes, negated } = parseContent(name, need(name, value));
        const cd: ContentItem = {
          kind: "content",
          bytes,
          nocase: false,
          negated,
          offset: 0,
          depth: 0,
          startswith: false,
          endswith: false,
          fastPattern: false,
          withinNext: false,
        };
        const list = name === "uricontent" ? listFor("http.uri", []) : currentList();
        addItem(cd, list);
        last = { cd, list, set: new Set() };
        contents.push(last);
        break;
      }
      case "nocase":
        modify(name).cd.nocase = true;
        break;
      case "offset":
        modify(name).cd.offset = integer(name, value, 0, 65535);
        break;
      case "depth":
        modify(name).cd.depth = integer(name, value, 1, 65535);
        break;
      case "distance":
        modify(name).cd.distance = integer(name, value, -65535, 65535);
        break;
      case "within":
        modify(name).cd.within = integer(name, value, 1, 65535);
        break;
      case "startswith":
        modify(name).cd.startswith = true;
        break;
      case "endswith":
        modify(name).cd.endswith = true;
        break;
      case "fast_pattern":
        modify(name).cd.fastPattern = true;
        break;
      case "pcre": {
        const p = translatePcre(need(name, value));
        const list = p.buffer !== undefined ? listFor(p.buffer, []) : currentList();
        addItem({
          kind: "pcre",
          regex: p.regex,
          negated: p.negated,
          relative: p.relative,
          relativeNext: false,
        }, list);
        break;
      }
      case "isdataat": {
        let v = need(name, value);
        let negated = false;
        if (v.startsWith("!")) {
          negated = true;
          v = v.slice(1);
        }
        const [at, ...flags] = v.split(",").map((x) => x.trim());
        if (flags.some((f) => f !== "relative" && f !== "rawbytes")) {
          throw new RuleSkip(name, `isdataat "${value}": expected N[,relative]`);
        }
        addItem({
          kind: "isdataat",
          at: integer(name, at, 0, 65535),
          relative: flags.includes("relative"),
          negated,
        });
        break;
      }
      case "bsize":
        addItem({ kind: "bsize", cmp: compare(name, value) });
        break;
      case "byte_test":
        addItem(parseByteTest(need(name, value)));
        break;
      case "byte_jump":
        addItem(parseByteJump(need(name, value)));
        break;
      default:
        if (NO_EFFECT.has(name)) break;
        throw new RuleSkip(name, `keyword "${name}" is not supported by sockscope`);
    }
  }
  if (sid === undefined) throw new RuleSkip(MALFORMED, `the rule has no sid: expected sid:N;`);
  for (const { cd, set } of contents) finishContent(cd, set);
  let service = proto.service;
  for (const spec of lists.values()) {
    finishList(spec);
    const need = bufferService(spec.name);
    if (need === undefined) continue;
    if (service !== undefined && service !== need) {
      throw new RuleSkip(
        MALFORMED,
        `buffer ${spec.name} needs protocol ${need}, but the rule is for ${service}`,
      );
    }
    service = need;
  }
  if (urilen !== undefined) {
    if (service !== undefined && service !== "http") {
      throw new RuleSkip(MALFORMED, `urilen needs protocol http, but the rule is for ${service}`);
    }
    service = "http";
  }
  // Prefilter pattern: the fast_pattern content, else the longest content.
  let best: { cd: ContentItem; key: string } | undefined;
  for (const spec of lists.values()) {
    for (const it of spec.items) {
      if (it.kind !== "content" || it.negated) continue;
      if (
        best === undefined || (it.fastPattern && !best.cd.fastPattern) ||
        (it.fastPattern === best.cd.fastPattern && it.bytes.length > best.cd.bytes.length)
      ) best = { cd: it, key: spec.key };
    }
  }
  const cls = classtype === undefined ? undefined : CLASSIFICATIONS.get(classtype);
  const match: RuleMatch = {
    sid,
    gid,
    rev,
    msg,
    ...(classtype !== undefined ? { classtype } : {}),
    category: cls?.description ?? "",
    severity: priority ?? cls?.priority ?? 3,
    ...(metadata !== undefined ? { metadata } : {}),
    ...(target !== undefined ? { target } : {}),
  };
  return {
    match,
    transport: proto.transport,
    ...(service !== undefined ? { service } : {}),
    src,
    sport,
    dst,
    dport,
    bidirectional: arrow === "<>",
    ...(dir !== undefined ? { dir } : {}),
    ...(established !== undefined ? { established } : {}),
    ...(dsize !== undefined ? { dsize } : {}),
    ...(urilen !== undefined ? { urilen } : {}),
    buffers: [...lists.values()].filter((b) => b.items.length > 0),
    flowbits,
    noalert,
    ...(threshold !== undefined ? { threshold } : {}),
    ...(best !== undefined ? { prefilter: { key: best.key, bytes: best.cd.bytes } } : {}),
  };
}
