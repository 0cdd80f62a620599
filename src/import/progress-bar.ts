import type { ImportProgress } from './run-import.js';

const WIDTH = 30;
const REDRAW_EVERY_MS = 100;

/**
 * A one-line progress bar for a terminal, redrawn in place at most ten times a second. Only used when stderr is a
 * TTY, so logs and CI output stay clean.
 */
export class ProgressBar {
  private lastDraw = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(progress: ImportProgress, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < REDRAW_EVERY_MS) return;
    this.lastDraw = now;
    const fraction = progress.totalBytes > 0 ? Math.min(1, progress.bytesRead / progress.totalBytes) : 1;
    const filled = Math.round(fraction * WIDTH);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
    this.stream.write(`\r${bar} ${(fraction * 100).toFixed(0).padStart(3)}%  imported ${progress.imported}  skipped ${progress.skipped}  failed ${progress.failed}\x1b[K`);
  }

  finish(): void {
    this.stream.write('\n');
  }
}
