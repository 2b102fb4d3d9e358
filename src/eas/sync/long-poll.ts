// Holding a Sync with Wait or HeartbeatInterval ([MS-ASCMD] 2.2.3.198 Wait, 2.2.3.88.2
// HeartbeatInterval): look, and while there is nothing to answer, wait for a change and look again,
// until the deadline. The waiting itself is the PushHub's (src/push/long-poll.ts watchSyncChanges).

/** What a hold waits on: one registration, made before the first look, so no change is missed. */
export interface ChangeWatch {
  /** Resolves true on a matching change (one that came since the last wait counts at once), false at `ms`. */
  wait(ms: number): Promise<boolean>;
}

/**
 * Looks, and while there is nothing to answer, waits for a change and looks again, until `holdMs`
 * has passed. A change that gives nothing to send (a flag outside the window) keeps the hold going.
 * Returns [] when the hold ended with nothing: the caller answers with an empty response.
 */
export async function lookUntilChange<T>(
  look: (again: boolean) => Promise<T[]>,
  watch: ChangeWatch | null,
  holdMs: number,
): Promise<T[]> {
  const deadline = Date.now() + holdMs;
  for (let again = false; ; again = true) {
    const found = await look(again);
    if (found.length) return found;
    const left = deadline - Date.now();
    if (!watch || left <= 0 || !(await watch.wait(left))) return [];
  }
}
