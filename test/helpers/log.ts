// A logger for tests: silent unless BERTH_TEST_LOG names a level (debug, info, warn).
import { pino, type Logger } from 'pino';

export function testLogger(): Logger {
  return pino({ level: process.env.BERTH_TEST_LOG ?? 'silent' });
}
