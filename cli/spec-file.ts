// Reads the file a -f flag names (or stdin for "-") to send to an API as it is, with the content
// type its name suggests; the API parses and validates it.
import { readFile } from 'node:fs/promises';
import { UsageError } from './flags.js';

export interface SpecFile {
  text: string;
  contentType: string;
}

async function stdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export async function readSpecFile(command: string, path: string): Promise<SpecFile> {
  let text: string;
  try {
    text = path === '-' ? await stdin() : await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`berth ${command}: cannot read -f ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const contentType = /\.json$/i.test(path) ? 'application/json' : /\.ya?ml$/i.test(path) ? 'application/x-yaml' : 'text/plain';
  return { text, contentType };
}
