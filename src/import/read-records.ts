import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** One record of an export file with its position (line for NDJSON, 1-based index for a JSON array). */
export type SourceRecord = { position: number; value: unknown; bytesRead: number } | { position: number; error: string; bytesRead: number };

/**
 * Reads an export: a JSON array (read whole, as `json_agg` and Kratos's list endpoint produce it) or
 * newline-delimited JSON (streamed line by line, so large Auth0 exports need little memory). A line that is not
 * JSON becomes an error record instead of ending the import.
 */
export async function* readRecords(file: string): AsyncGenerator<SourceRecord> {
  const { size } = await stat(file);
  if ((await firstSignificantChar(file)) === '[') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file} starts like a JSON array but is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    const list = parsed as unknown[];
    for (let i = 0; i < list.length; i++) yield { position: i + 1, value: list[i], bytesRead: Math.round((size * (i + 1)) / list.length) };
    return;
  }
  let line = 0;
  let bytesRead = 0;
  for await (const text of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    line++;
    bytesRead += Buffer.byteLength(text) + 1;
    if (text.trim() === '') continue;
    try {
      yield { position: line, value: JSON.parse(text), bytesRead };
    } catch (error) {
      yield { position: line, error: `not valid JSON: ${(error as Error).message}`, bytesRead };
    }
  }
}

async function firstSignificantChar(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart()[0] ?? '';
  } finally {
    await handle.close();
  }
}
