import { cleanupCommand } from './cleanup-command.js';
import type { Command } from './command.js';
import { consumerConfigCommand } from './consumer-config-command.js';
import { importCommand } from './import-command.js';
import { jwksCommand } from './jwks-command.js';
import { keysCommand } from './keys-command.js';
import { migrateCommand } from './migrate-command.js';
import { serveCommand } from './serve-command.js';
import { tokenizeCommand } from './tokenize-command.js';

/** Every `tessera` subcommand; main.ts dispatches on the first argument. */
export const commands: Command[] = [
  serveCommand,
  migrateCommand,
  cleanupCommand,
  importCommand,
  keysCommand,
  jwksCommand,
  consumerConfigCommand,
  tokenizeCommand,
];
