// --watch for commands that follow a state stream (berth state, berth services get/endpoints):
// prints the picked part of the document on every change, at most every 200 ms, as a table
// redrawn in place (on a terminal), one JSON document per line, or one YAML document per change,
// until Ctrl-C or until the part is gone (a removed service).
import { watchState } from '../protocol/index.js';
import { authHeaders, CLI_TLS_HINTS, cliTls, unauthenticatedHint } from './http.js';
import { formatValue, wsBase, type AnswerFormat } from './output.js';

export interface FollowOptions<T> {
  /** The service's or master's base URL (http:// or ws://) and the stream's path and query. */
  base: string;
  path: string;
  /** Names the command in connection news on stderr ("berth state: reconnecting..."). */
  command: string;
  format: AnswerFormat;
  /** What to print of the document; undefined ends the watch, printing `gone` on stderr. */
  pick(doc: Record<string, unknown>): T | undefined;
  render(value: T): string;
  gone?: string;
}

/** Follows the stream until Ctrl-C (exit 0) or until `pick` finds nothing (exit 0, with `gone`). */
export async function followStream<T>(o: FollowOptions<T>): Promise<number> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  let timer: NodeJS.Timeout | undefined;
  let latest: T | undefined;
  let ended = false;
  const print = (): void => {
    timer = undefined;
    if (latest === undefined) return;
    if (o.format === 'json') process.stdout.write(`${JSON.stringify(latest)}\n`);
    else if (o.format === 'yaml') process.stdout.write(`---\n${formatValue('yaml', latest)}`);
    else process.stdout.write(`${process.stdout.isTTY ? '\x1b[H\x1b[2J' : '\n'}${o.render(latest)}\n`);
  };
  const watcher = watchState(`${wsBase(o.base)}${o.path}`, {
    signal: stop.signal,
    headers: authHeaders(),
    tls: cliTls(),
    tlsHints: CLI_TLS_HINTS,
    onUpdate: (doc) => {
      const value = o.pick(doc);
      if (value === undefined) {
        ended = true;
        stop.abort();
        return;
      }
      latest = value;
      timer ??= setTimeout(print, 200);
    },
    onStatus: (message) => process.stderr.write(`${o.command}: ${message}\n`),
  });
  try {
    await watcher.done;
  } catch (err) {
    if ((err as { status?: unknown }).status === 401) (err as Error).message += `\n  ${unauthenticatedHint()}`;
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
  }
  clearTimeout(timer);
  print();
  if (ended && o.gone) process.stderr.write(`${o.command}: ${o.gone}\n`);
  return 0;
}
