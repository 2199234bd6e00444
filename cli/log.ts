// The CLI's logger: pino, printed as short readable lines on stderr (or raw JSON with --log-json).
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'component']);

function pretty(line: string): string {
  try {
    const rec = JSON.parse(line) as Record<string, unknown>;
    const time = new Date(Number(rec.time)).toISOString().slice(11, 23);
    const fields = Object.entries(rec)
      .filter(([k]) => !SKIP.has(k))
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(' ');
    const level = (LEVELS[Number(rec.level)] ?? '?').padEnd(5);
    return `${time} ${level} ${rec.component ? `${String(rec.component)}: ` : ''}${String(rec.msg ?? '')}${fields ? `  ${fields}` : ''}\n`;
  } catch {
    return line;
  }
}

export function cliLogger(level: string, json: boolean): Logger {
  if (json) return pino({ level }, pino.destination(2));
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      process.stderr.write(chunk.toString().split('\n').filter(Boolean).map(pretty).join(''));
      done();
    },
  });
  return pino({ level }, out);
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

export const LOG_FLAGS = {
  'log-level': { type: 'string', default: 'info', help: 'the least severe log lines written (to stderr)', rule: 'trace, debug, info, warn, error or fatal', placeholder: 'LEVEL' },
  'log-json': { type: 'boolean', help: 'write logs as JSON lines instead of readable text' },
} as const;
