// The browser tests' kit: Debian's Chromium through playwright-core (headless, --no-sandbox), the
// UI bundle built into the test's own folder, and screenshots kept with their paths printed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import type { Test } from 'tap';
import { until } from './poll.js';

export const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('../../', import.meta.url));

/** True when Chromium is there; without it a test plans nothing, except under CI=true where that is a failure. */
export function haveChromium(t: Test): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing; .ci/setup installs Debian's chromium`);
  t.plan(0, `no ${CHROMIUM}: install Debian's chromium to run the browser tests`);
  return false;
}

/** Builds the UI bundle (scripts/build-ui.mjs) into a folder of its own, so the test never serves a stale one. */
export async function buildUi(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-ui-bundle-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const built = spawnSync(process.execPath, ['scripts/build-ui.mjs', dir], { cwd: root, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`scripts/build-ui.mjs failed: ${built.stderr}`);
  return dir;
}

/** A new page in a headless Chromium that closes at the end of the test; page errors are collected. */
export async function openPage(t: Test, viewport = { width: 1360, height: 900 }): Promise<{ page: Page; errors: string[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return { page, errors };
}

/** Where a test's screenshots are kept: .tap/screenshots/TEST/ (next to tap's own results, ignored by git). */
export const screenshotDir = (test: string): string => join(root, '.tap', 'screenshots', test);

/** Screenshots go to the test's output folder, kept after it; each path is printed as a comment. */
export function screenshots(test: string): (t: Test, page: Page, name: string) => Promise<string> {
  let dir: Promise<string | undefined> | undefined;
  return async (t, page, name) => {
    dir ??= mkdir(screenshotDir(test), { recursive: true });
    await dir;
    const path = join(screenshotDir(test), name);
    await page.screenshot({ path, fullPage: true });
    t.comment(`screenshot: ${path}`);
    return path;
  };
}

/** On a task page whose task prints `tick N` lines: the last tick seen first, and one 3 or more later (the logs followed live). */
export async function ticksFollowed(page: Page): Promise<{ before: number; later: number }> {
  const lastTick = async (): Promise<number> => Math.max(-1, ...[...((await page.getByTestId('task-logs').textContent()) ?? '').matchAll(/tick (\d+)/g)].map((m) => Number(m[1])));
  const before = await until('a tick in the logs', async () => {
    const n = await lastTick();
    return n >= 0 ? n : undefined;
  }, 20_000);
  const later = await until('newer ticks, followed live', async () => {
    const n = await lastTick();
    return n >= before + 3 ? n : undefined;
  }, 20_000);
  return { before, later };
}
