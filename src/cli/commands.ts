import type { Command } from './command.js';
import { importCommand } from './import-command.js';
import { migrateCommand } from './migrate-command.js';
import { serveCommand } from './serve-command.js';

/** Every `tessera` subcommand; main.ts dispatches on the first argument. */
export const commands: Command[] = [serveCommand, migrateCommand, importCommand];
