// Printing a state stream's document as it changes (berth state --watch, berth jobs get --watch):
// at most every 200 ms; a table redraws the screen on a terminal, JSON is one document per line,
// YAML one document per change. Reconnects are reported on stderr. Until Ctrl-C.
import { watchState } from '../protocol/index.js';
import { formatValue, type AnswerFormat } from './output.js';

type Doc = Record<string, unknown>;

export interface WatchPrint<T> {
  /** ws://HOST/api/v1/stream?... */
  url: string;
  /** The command, for stderr lines ("berth state"). */
  name: string;
  format: AnswerFormat;
  /** What is printed of the document (as JSON and YAML too). */
  shape(doc: Doc): T;
  render(value: T): string;
}

export async function printWatched<T>(w: WatchPrint<T>): Promise<number> {
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  let timer: NodeJS.Timeout | undefined;
  let latest: T | undefined;
  const print = (): void => {
    timer = undefined;
    if (latest === undefined) return;
    if (w.format === 'json') process.stdout.write(`${JSON.stringify(latest)}\n`);
    else if (w.format === 'yaml') process.stdout.write(`---\n${formatValue('yaml', latest)}`);
    else process.stdout.write(`${process.stdout.isTTY ? '\x1b[H\x1b[2J' : '\n'}${w.render(latest)}\n`);
  };
  const watcher = watchState(w.url, {
    signal: stop.signal,
    onUpdate: (doc) => {
      latest = w.shape(doc);
      timer ??= setTimeout(print, 200);
    },
    onStatus: (message) => process.stderr.write(`${w.name}: ${message}\n`),
  });
  await watcher.done;
  clearTimeout(timer);
  print();
  return 0;
}
