// A report file in Debian's chromium, headless, through playwright-core, with a fresh profile: every request
// but the file itself is routed, counted and aborted; console errors and warnings and page errors are
// collected. Shared by the report's browser tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface OpenedReport {
  ctx: BrowserContext;
  page: Page;
  /** Every URL the page tried besides the file (none allowed). */
  requests: string[];
  /** Console errors and warnings, page errors. */
  errors: string[];
  close(): Promise<void>;
}

/** Opens `file` and waits until the page says it is ready (or failed). `ignore`: console texts to leave out. */
export async function openReport(file: string, ignore: (text: string) => boolean = () => false): Promise<OpenedReport> {
  const fileUrl = pathToFileURL(file).href;
  const { chromium } = await import('playwright-core');
  const userDir = mkdtempSync(join(tmpdir(), 'tailtop-chromium-'));
  const requests: string[] = [];
  const errors: string[] = [];
  const ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1440, height: 900 },
    colorScheme: 'light',
  });
  const close = async (): Promise<void> => {
    await ctx.close();
    rmSync(userDir, { recursive: true, force: true });
  };
  try {
    // Every request from the page goes through here: only the report file itself may load.
    await ctx.route('**/*', async (route) => {
      const url = route.request().url();
      if (url === fileUrl) return route.continue();
      requests.push(url);
      return route.abort();
    });
    ctx.on('request', (r) => {
      if (r.url() !== fileUrl && !requests.includes(r.url())) requests.push(r.url());
    });
    const page = await ctx.newPage();
    page.on('console', (m) => {
      if ((m.type() === 'error' || m.type() === 'warning') && !ignore(m.text())) errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(fileUrl);
    await page.waitForFunction(() => (window as any).tailtopReport?.ready || (window as any).tailtopReport?.error, null, { timeout: 30_000 });
    return { ctx, page, requests, errors, close };
  } catch (e) {
    await close();
    throw e;
  }
}
