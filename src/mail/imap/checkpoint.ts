// The IMAP folder checkpoint: an opaque string for callers, built from what SELECT reports.
//   with CONDSTORE (RFC 7162):  "imap1:<UIDVALIDITY>:m<HIGHESTMODSEQ>"
//   without:                    "imap1:<UIDVALIDITY>:n<UIDNEXT>:c<EXISTS>:f<digest of the listed UIDs+flags>"
// HIGHESTMODSEQ moves on every flag change, append and expunge. Without CONDSTORE, UIDNEXT and the
// count miss flag-only changes, so the digest of the listing is added. UIDVALIDITY comes first so
// a UIDVALIDITY change (every UID reassigned) always changes the checkpoint.
import { createHash } from 'node:crypto';
import type { FolderCheckpoint, MessageEntry } from '../types.js';

export interface SelectState {
  uidValidity: bigint;
  uidNext: number;
  exists: number;
  /** Only when the server keeps mod-sequences for this mailbox (CONDSTORE enabled, no NOMODSEQ). */
  highestModseq: bigint | null;
}

export interface ParsedCheckpoint {
  uidValidity: string;
  highestModseq: string | null;
}

export function flagsDigest(entries: readonly MessageEntry[]): string {
  const h = createHash('sha256');
  const sorted = [...entries].sort((a, b) => Number(a.id) - Number(b.id));
  for (const e of sorted) {
    const f = e.flags;
    h.update(`${e.id}:${+f.read}${+f.flagged}${+f.answered}${+f.forwarded};`);
  }
  return h.digest('hex').slice(0, 16);
}

export function makeCheckpoint(state: SelectState, entries: readonly MessageEntry[]): FolderCheckpoint {
  if (state.highestModseq !== null) return `imap1:${state.uidValidity}:m${state.highestModseq}`;
  return `imap1:${state.uidValidity}:n${state.uidNext}:c${state.exists}:f${flagsDigest(entries)}`;
}

/** For diagnostics and tests: the UIDVALIDITY (and HIGHESTMODSEQ) inside a checkpoint; null if not ours. */
export function parseCheckpoint(checkpoint: FolderCheckpoint): ParsedCheckpoint | null {
  const m = /^imap1:(\d+):(?:m(\d+)|n\d+:c\d+:f[0-9a-f]+)$/.exec(checkpoint);
  if (!m || m[1] === undefined) return null;
  return { uidValidity: m[1], highestModseq: m[2] ?? null };
}
