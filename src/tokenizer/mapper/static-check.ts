import { randomBytes } from 'node:crypto';
import { newJsonnet } from './jsonnet-binding.js';

/**
 * Whether a mapper can be embedded in the shared evaluation loop: it must parse and pass libjsonnet's static
 * analysis on its own. All templates share one loop program, so one mapper with a syntax error would otherwise
 * break every template. A mapper that fails here is served by plain evaluation, which reports its static error
 * exactly as Kratos would, on each request.
 *
 * The source is bound to an unused local and never evaluated (Jsonnet is lazy), so this cannot run the mapper,
 * touch a file or loop. The local's name is random so the mapper cannot refer to it.
 */
export async function passesStaticCheck(source: string, origin: string): Promise<boolean> {
  const unused = `tessera_${randomBytes(6).toString('hex')}_unused`;
  try {
    await newJsonnet().evaluateSnippet(`local ${unused} = (\n${source}\n);\nnull\n`, origin);
    return true;
  } catch {
    return false;
  }
}
