// Change notifications of the embedded backend. The default bus is in-process (an EventEmitter):
// right for SQLite and for a single server node. Several nodes on one PostgreSQL database need a
// bus that crosses processes: pass `createPgChangeBus` (pg-notify.ts, LISTEN/NOTIFY) instead.
import { EventEmitter } from 'node:events';
import type { MailChangeEvent } from '../types.js';
import type { EmbeddedLog } from './log.js';

export interface ChangeBus {
  /** Announce a change; listeners in this process are called synchronously, never throwing back. */
  publish(e: MailChangeEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: (e: MailChangeEvent) => void): () => void;
  close(): Promise<void>;
}

const EVENT = 'change';

export class LocalChangeBus implements ChangeBus {
  private readonly emitter = new EventEmitter();

  constructor(private readonly log: EmbeddedLog) {
    // One listener per held Ping hub, not per device; a busy server still has only a few.
    this.emitter.setMaxListeners(0);
  }

  publish(e: MailChangeEvent): void {
    for (const listener of this.emitter.listeners(EVENT) as Array<(e: MailChangeEvent) => void>) {
      try {
        listener(e);
      } catch (err) {
        // The change has happened; one listener's failure must not reach the writer or the others.
        this.log.warn(
          { err: (err as Error).message, userId: e.userId },
          'embedded mail: change listener failed',
        );
      }
    }
  }

  subscribe(listener: (e: MailChangeEvent) => void): () => void {
    this.emitter.on(EVENT, listener);
    return () => {
      this.emitter.off(EVENT, listener);
    };
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
