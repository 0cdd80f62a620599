// test-stores: none
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { ProgressBar } from '../../src/import/progress-bar.js';

describe('import progress bar', () => {
  it('redraws one line in place with the share read and the running counts', () => {
    let output = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        output += chunk.toString();
        callback();
      },
    }) as unknown as NodeJS.WriteStream;
    const bar = new ProgressBar(stream);
    bar.update({ bytesRead: 250, totalBytes: 1000, imported: 20, skipped: 3, failed: 1 }, true);
    bar.update({ bytesRead: 300, totalBytes: 1000, imported: 25, skipped: 3, failed: 1 });
    bar.update({ bytesRead: 1000, totalBytes: 1000, imported: 90, skipped: 9, failed: 1 }, true);
    bar.finish();
    const frames = output.split('\r').filter(Boolean);
    assert.equal(frames.length, 2, 'updates within 100 ms are not drawn');
    assert.ok(frames[0]?.startsWith(`${'█'.repeat(8)}${'░'.repeat(22)}  25%  imported 20  skipped 3  failed 1`), frames[0]);
    assert.equal(frames[1], `${'█'.repeat(30)} 100%  imported 90  skipped 9  failed 1\u001b[K\n`);
  });
});
