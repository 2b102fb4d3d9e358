// Commands by wire name. The gate looks handlers up here; OPTIONS advertises the same list.
import type { CommandHandler } from './context.js';
import { provisionCommand } from './commands/provision.js';
import { settingsCommand } from './commands/settings.js';

export type CommandRegistry = ReadonlyMap<string, CommandHandler>;

export function createRegistry(handlers: CommandHandler[]): CommandRegistry {
  const map = new Map<string, CommandHandler>();
  for (const h of handlers) {
    if (map.has(h.name)) throw new Error(`duplicate command handler ${h.name}`);
    map.set(h.name, h);
  }
  return map;
}

/** The commands this server implements today. */
export function defaultRegistry(): CommandRegistry {
  return createRegistry([provisionCommand, settingsCommand]);
}
