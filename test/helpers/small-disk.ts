// Running Redis out of space for a fault scenario. Preferably a real full disk: a small tmpfs
// mounted for Redis' dir (its AOF), filled by a file until nothing is left. Where mounting is not
// permitted (not root, no CAP_SYS_ADMIN) the closest stand-in is used and said so: maxmemory with
// noeviction, filled by one big key, so writes fail with OOM instead of a disk error.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import type { Test } from 'tap';

export interface SmallDisk {
  /** 'tmpfs': a real full disk; 'maxmemory': the stand-in. */
  readonly kind: 'tmpfs' | 'maxmemory';
  /** Arguments for redis-server (after the helper's own). */
  readonly redisArgs: string[];
  /** Uses up the space; writes to Redis fail from then on. */
  fill(redisPort: number): Promise<void>;
  /** Gives the space back. */
  free(redisPort: number): Promise<void>;
}

const FILLER = 'filler';
const JUNK_KEY = 'berth-test:junk';

/** A small disk for Redis (or the stand-in), undone at test end. */
export async function smallDisk(t: Test, sizeMb = 8): Promise<SmallDisk> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-small-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status === 0) {
    t.teardown(async () => {
      // Lazily, since Redis may still have its files open when this runs.
      spawnSync('umount', ['-l', dir]);
      await rm(dir, { recursive: true, force: true });
    });
    return {
      kind: 'tmpfs',
      // everysec: with fsync always, Redis exits on a failed AOF write (which is then Redis killed).
      redisArgs: ['--dir', dir, '--appendfsync', 'everysec'],
      async fill() {
        const { bavail, bsize } = await statfs(dir);
        await writeFile(join(dir, FILLER), Buffer.alloc(bavail * bsize)).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOSPC') throw err;
        });
      },
      free: () => rm(join(dir, FILLER), { force: true }),
    };
  }
  await rm(dir, { recursive: true, force: true });
  t.comment(`mounting a tmpfs is not permitted here (${(mounted.stderr || mounted.error?.message || '').trim()}); using maxmemory with noeviction as the closest stand-in`);
  /** Runs commands until one is refused (or all are done). */
  const send = async (port: number, commands: Iterable<string[]>): Promise<void> => {
    const c = createClient({ url: `redis://127.0.0.1:${port}` });
    c.on('error', () => undefined);
    await c.connect();
    try {
      for (const command of commands) await c.sendCommand(command);
    } catch {
      // Refused: full.
    } finally {
      c.destroy();
    }
  };
  const chunk = 'x'.repeat(64 * 1024);
  return {
    kind: 'maxmemory',
    redisArgs: ['--maxmemory', `${sizeMb}mb`, '--maxmemory-policy', 'noeviction'],
    // Appends until Redis refuses: then it is full.
    fill: (port) => send(port, (function* () {
      for (;;) yield ['APPEND', JUNK_KEY, chunk];
    })()),
    free: (port) => send(port, [['DEL', JUNK_KEY]]),
  };
}
