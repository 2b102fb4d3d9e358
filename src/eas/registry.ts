// Commands by wire name. The gate looks handlers up here; OPTIONS advertises the same list.
import type { CommandHandler } from './context.js';
import { folderSyncCommand } from './commands/folder-sync.js';
import { getItemEstimateCommand } from './commands/get-item-estimate.js';
import { pingCommand } from './commands/ping.js';
import { provisionCommand } from './commands/provision.js';
import { settingsCommand } from './commands/settings.js';
import { syncCommand } from './commands/sync.js';
import { folderCreateCommand } from './commands/folder-create.js';
import { folderDeleteCommand } from './commands/folder-delete.js';
import { folderUpdateCommand } from './commands/folder-update.js';
import { itemOperationsCommand } from './commands/item-operations.js';
import { moveItemsCommand } from './commands/move-items.js';
import { searchCommand } from './commands/search.js';
import { sendMailCommand } from './commands/send-mail.js';
import { smartForwardCommand } from './commands/smart-forward.js';
import { smartReplyCommand } from './commands/smart-reply.js';

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
  return createRegistry([
    provisionCommand,
    settingsCommand,
    folderSyncCommand,
    syncCommand,
    getItemEstimateCommand,
    pingCommand,
    itemOperationsCommand,
    sendMailCommand,
    smartReplyCommand,
    smartForwardCommand,
    moveItemsCommand,
    searchCommand,
    folderCreateCommand,
    folderUpdateCommand,
    folderDeleteCommand,
  ]);
}
