import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { testGateway } from '../src/testing';

/**
 * GET /docs in a real browser (Debian's chromium, driven by playwright-core): the reference renders
 * from /openapi.json with the gateway's own assets, logs no console error, sends no request to any
 * other origin, and "try it" calls this gateway. CI installs chromium (.ci/run), so there a missing
 * browser fails the test; elsewhere it is skipped with a note.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && !process.env.CI) {
  console.warn(`skipping the /docs browser test: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}
const describeBrowser = available || process.env.CI ? describe : describe.skip;

describeBrowser('GET /docs in headless Chromium', () => {
  let server: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!available) throw new Error(`Chromium is required in CI: none at ${CHROMIUM}`);
    const { app } = await testGateway();
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('renders every tag, logs no error, stays on its origin, and tries /health against this gateway', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('requestfailed', (request) => errors.push(`${request.url()}: ${request.failure()?.errorText}`));
    page.on('request', (request) => requests.push(request.url()));

    const response = await page.goto(`${base}/docs`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    await page.waitForSelector('#operations-Operations-health', { timeout: 20_000 });
    for (const tag of ['Organizations', 'OAuth', 'Agents', 'Credentials', 'Audit', 'Operations']) {
      await expect(page.locator(`#operations-tag-${tag}`).count()).resolves.toBe(1);
    }

    // "Try it out" on GET /health: the request goes to this origin and its answer shows.
    await page.click('#operations-Operations-health .opblock-summary');
    await page.click('#operations-Operations-health .try-out__btn');
    const answered = page.waitForResponse((r) => r.url() === `${base}/health`);
    await page.click('#operations-Operations-health .execute');
    expect((await answered).status()).toBe(200);
    await page.waitForSelector('#operations-Operations-health .live-responses-table .response-col_status');

    expect(requests.length).toBeGreaterThan(3);
    expect(requests.filter((url) => !url.startsWith(`${base}/`) && !url.startsWith('data:'))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
