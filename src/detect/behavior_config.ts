/**
 * Thresholds of the behaviour detectors, their defaults, and the fixed
 * signatures their alerts carry.
 *
 * @module
 */

import type { BehaviorKind } from "../monitor/events.ts";

/**
 * One detector's trigger: `count` events within `windowMs`. For
 * `concurrency` the window is unused (open connections are counted at once).
 */
export interface BehaviorThreshold {
  /** How many (ports, addresses, connections) make an alert. */
  readonly count: number;
  /** The sliding window (ms). */
  readonly windowMs: number;
}

/**
 * The detectors' settings; a detector set to `false` is off.
 *
 * @example
 * ```ts
 * import { DEFAULT_BEHAVIOR, type BehaviorConfig } from "@sockscope/sockscope";
 * const strict: BehaviorConfig = { ...DEFAULT_BEHAVIOR, scan: { count: 3, windowMs: 60_000 } };
 * ```
 */
export interface BehaviorConfig {
  /** Distinct local ports from one source (a connect scan). */
  readonly scan: BehaviorThreshold | false;
  /** Distinct local addresses from one source (a sweep). */
  readonly sweep: BehaviorThreshold | false;
  /** New connections from one source (a flood). */
  readonly flood: BehaviorThreshold | false;
  /** Connections open at once from one source. */
  readonly concurrency: BehaviorThreshold | false;
  /** Connections from one source that closed without sending a byte. */
  readonly "empty-sessions": BehaviorThreshold | false;
}

/**
 * The defaults, with where they come from (docs/detection.md explains them):
 * - scan: 5 ports in 60 s. psad's lowest danger level is 5 packets, and
 *   fail2ban's default `maxretry` is 5. A socket sees only the ports it
 *   listens on (the kernel refuses the rest unseen), so on a monitor with a
 *   handful of ports 5 of them within a minute is already a scan.
 * - sweep: 5 local addresses in 60 s, the same reasoning for addresses.
 * - flood: 500 new connections in 10 s (50/s sustained), well above any
 *   interactive client and below what a flood tool does in a second.
 * - concurrency: 256 connections open at once (the kernel's default backlog
 *   is of that order; browsers open 6 per host).
 * - empty-sessions: 20 connections without a byte in 60 s (probes, nmap -sT,
 *   banner grabs that give up).
 *
 * @example
 * ```ts
 * import { DEFAULT_BEHAVIOR } from "@sockscope/sockscope";
 * console.log(DEFAULT_BEHAVIOR.scan); // { count: 5, windowMs: 60000 }
 * ```
 */
export const DEFAULT_BEHAVIOR: BehaviorConfig = {
  scan: { count: 5, windowMs: 60_000 },
  sweep: { count: 5, windowMs: 60_000 },
  flood: { count: 500, windowMs: 10_000 },
  concurrency: { count: 256, windowMs: 0 },
  "empty-sessions": { count: 20, windowMs: 60_000 },
};

/** What every alert of one detector says. */
export interface BehaviorSignature {
  /** Fixed signature id (sockscope's range 9100001-9100099, gid 1). */
  readonly id: number;
  /** The alert's signature text. */
  readonly text: string;
  /** Suricata classtype whose description is the category. */
  readonly classtype: string;
  /** The classtype's description. */
  readonly category: string;
  /** The classtype's priority (1 high - 4 low). */
  readonly severity: number;
}

/**
 * The signatures of the behaviour detectors. The ids are fixed so that
 * dashboards and SIEM rules can rely on them; classtypes and priorities are
 * those of Suricata's classification.config.
 *
 * @example
 * ```ts
 * import { BEHAVIOR_SIGNATURES } from "@sockscope/sockscope";
 * console.log(BEHAVIOR_SIGNATURES.scan.id); // 9100001
 * ```
 */
export const BEHAVIOR_SIGNATURES: Readonly<Record<BehaviorKind, BehaviorSignature>> = {
  scan: {
    id: 9100001,
    text: "SOCKSCOPE SCAN connect scan: many local ports from one source",
    classtype: "network-scan",
    category: "Detection of a Network Scan",
    severity: 3,
  },
  sweep: {
    id: 9100002,
    text: "SOCKSCOPE SCAN address sweep: many local addresses from one source",
    classtype: "network-scan",
    category: "Detection of a Network Scan",
    severity: 3,
  },
  flood: {
    id: 9100003,
    text: "SOCKSCOPE DOS connection flood: many new connections from one source",
    classtype: "attempted-dos",
    category: "Attempted Denial of Service",
    severity: 2,
  },
  concurrency: {
    id: 9100004,
    text: "SOCKSCOPE DOS many concurrent connections from one source",
    classtype: "attempted-dos",
    category: "Attempted Denial of Service",
    severity: 2,
  },
  "empty-sessions": {
    id: 9100005,
    text: "SOCKSCOPE SCAN many empty sessions from one source",
    classtype: "attempted-recon",
    category: "Attempted Information Leak",
    severity: 2,
  },
};

/** The detector kinds, in a fixed order. */
export const BEHAVIOR_KINDS: readonly BehaviorKind[] = [
  "scan",
  "sweep",
  "flood",
  "concurrency",
  "empty-sessions",
];
