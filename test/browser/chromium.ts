import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Request } from 'playwright-core';

/** Debian's package (`apt-get install chromium`; .ci/run installs it), or CHROMIUM_PATH. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Flags for a quiet headless run: no sandbox (root in CI), no GPU, and nothing the browser fetches on its own. */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Launches headless Chromium through playwright-core. A missing browser throws, so the suite fails:
 * it never skips (the console would go untested without anyone noticing).
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? CANDIDATES.find((path) => existsSync(path));
  if (!executablePath || !existsSync(executablePath)) {
    throw new Error(`Chromium is required for the browser suite: install the Debian package (apt-get install chromium) or set CHROMIUM_PATH (looked for ${CANDIDATES.join(', ')})`);
  }
  return chromium.launch({ executablePath, args: ARGS });
}

/**
 * A browser context that may talk to `origin` only: any other request is recorded and aborted, so
 * a test can assert the console fetched nothing from elsewhere (fonts, CDNs, analytics …).
 */
export async function hubOnlyContext(browser: Browser, origin: string): Promise<{ context: BrowserContext; foreign: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const foreign: string[] = [];
  const isHub = (request: Request): boolean => {
    const url = request.url();
    return url.startsWith(`${origin}/`) || url === origin || url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank';
  };
  await context.route('**/*', async (route) => {
    if (isHub(route.request())) return route.continue();
    foreign.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  return { context, foreign };
}
