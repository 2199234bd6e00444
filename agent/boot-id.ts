// The host's boot id: a new one means the host rebooted and every container on it is gone.
import { readFile } from 'node:fs/promises';

/** Linux's random boot id, or '' where the host has none. */
export async function readBootId(): Promise<string> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  } catch {
    return '';
  }
}
