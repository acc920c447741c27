import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { IssueTokenResponse } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { testGateway, type TestGateway } from '../src/testing';

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
/** Chromium parses a 1.7 MB bundle per page: generous on a busy two-core machine. */
const BROWSER_TIMEOUT_MS = 120_000;

describeBrowser('GET /docs in headless Chromium', () => {
  let server: Server;
  let base: string;
  let browser: Browser;
  let gateway: TestGateway;

  beforeAll(async () => {
    if (!available) throw new Error(`Chromium is required in CI: none at ${CHROMIUM}`);
    gateway = await testGateway();
    server = createServer(gateway.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, BROWSER_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A page that records its console errors and every request it sends. */
  async function openPage(): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await browser.newPage();
    page.setDefaultTimeout(BROWSER_TIMEOUT_MS);
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('requestfailed', (request) => errors.push(`${request.url()}: ${request.failure()?.errorText}`));
    page.on('request', (request) => requests.push(request.url()));
    return { page, errors, requests };
  }

  it(
    'renders every tag, logs no error, stays on its origin, and tries /health against this gateway',
    async () => {
      const { page, errors, requests } = await openPage();

      const response = await page.goto(`${base}/docs`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
      await page.waitForSelector('#operations-Operations-health');
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
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    '"Authorize" gets a token from this gateway\'s /oauth2/token, and "try it" sends it',
    async () => {
      const token = await gateway.signer.accessToken('agents:read');
      gateway.auth.issueToken.answer = () =>
        IssueTokenResponse.fromPartial({
          accessToken: token,
          tokenType: 'Bearer',
          expiresIn: 3600,
          scope: 'agents:read',
        });
      const { page, errors, requests } = await openPage();
      await page.goto(`${base}/docs`);
      await page.waitForSelector('#operations-Organizations-getOwnOrganization', {
        timeout: BROWSER_TIMEOUT_MS,
      });

      await page.click('.auth-wrapper .authorize');
      await page.fill('#client_id_clientCredentials', 'agidp_docs');
      await page.fill('#client_secret_clientCredentials', 'agidp_sk_docs');
      const issued = page.waitForResponse((r) => r.url() === `${base}/oauth2/token`);
      await page.click('.auth-container .modal-btn.authorize');
      expect((await issued).status()).toBe(200);
      await page.click('.modal-ux .close-modal');

      await page.click('#operations-Organizations-getOwnOrganization .opblock-summary');
      await page.click('#operations-Organizations-getOwnOrganization .try-out__btn');
      const answered = page.waitForResponse((r) => r.url() === `${base}/api/v1/organizations/me`);
      await page.click('#operations-Organizations-getOwnOrganization .execute');
      const answer = await answered;
      expect(answer.request().headers().authorization).toBe(`Bearer ${token}`);
      expect(answer.status()).toBe(200);

      expect(requests.filter((url) => !url.startsWith(`${base}/`) && !url.startsWith('data:'))).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    },
    BROWSER_TIMEOUT_MS,
  );
});
