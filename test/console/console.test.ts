/**
 * The console end to end, in headless Chromium: `portico run -w 2 --console` against a backend on
 * loopback, then the page is read as a user would: the endpoint list, a pipeline, the graph, a finding
 * with its line, live numbers that change after requests (summed over both workers), masked secrets,
 * keyboard navigation; and `portico console` offline on 5,000 endpoints (a virtualised list, search).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { freePort, startCli } from '../helpers/cli.js';
import type { RunningCli } from '../helpers/cli.js';
import { artifactPath, browserMissing, launchBrowser } from '../helpers/browser.js';
import { delay, request } from '../helpers/http.js';
import { sendJson, startBackend, writeConfig } from '../helpers/servers.js';
import type { RunningServer } from '../helpers/servers.js';

const missing = browserMissing();
const SECRET = 'hunter2-very-secret';

async function waitForLine(cli: RunningCli, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(cli.stdout() + cli.stderr());
    if (match) return match;
    assert.ok(Date.now() < deadline, `no line matching ${pattern}: ${cli.stderr()}`);
    await delay(50);
  }
}

/** The page's CSP forbids string evaluation, so polling happens here rather than in waitForFunction. */
async function waitForText(locator: Locator, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (!pattern.test((text = await locator.innerText()))) {
    assert.ok(Date.now() < deadline, `"${text}" never matched ${pattern}`);
    await delay(100);
  }
}

describe('the console', { skip: missing ?? false }, () => {
  let backend: RunningServer;
  let browser: Browser;
  let page: Page;
  let cli: RunningCli;
  let gatewayPort: number;
  let consoleUrl: string;
  let findingLine: number;
  const running: RunningCli[] = [];

  before(async () => {
    backend = await startBackend((incoming, response) => sendJson(response, incoming.url?.startsWith('/fail') ? 500 : 200, { path: incoming.url }));
    gatewayPort = await freePort();
    const consolePort = await freePort();
    const config = {
      version: 3,
      name: 'console-e2e',
      extra_config: { 'security/cors': { allow_origins: ['https://example.com'] } },
      endpoints: [
        {
          endpoint: '/users/{id}',
          backend: [{ host: [backend.url], url_pattern: '/users/{id}', extra_config: { 'qos/circuit-breaker': { interval: 60, timeout: 10, max_errors: 5 } } }],
          extra_config: { 'qos/ratelimit/router': { max_rate: 1000 }, 'auth/api-keys': { keys: [{ key: SECRET, roles: ['admin'] }] } },
        },
        { endpoint: '/merged', backend: [{ host: [backend.url], url_pattern: '/a', group: 'a' }, { host: ['http://127.0.0.1:1'], url_pattern: `/b?api_key=${SECRET}`, group: 'b' }] },
        { endpoint: '/fail', backend: [{ host: [backend.url], url_pattern: '/fail' }], extra_config: { 'made/up-namespace': {} } },
      ],
    };
    const text = JSON.stringify(config, null, 2);
    findingLine = text.split('\n').findIndex((line) => line.includes('"made/up-namespace"')) + 1;
    const file = await writeConfig(text);
    cli = startCli(['run', '-c', file, '-w', '2', '-p', String(gatewayPort), '--console', `127.0.0.1:${consolePort}`]);
    running.push(cli);
    consoleUrl = (await waitForLine(cli, /console on (http:\/\/127\.0\.0\.1:\d+\/)/))[1] as string;
    const listening = () => (cli.stdout() + cli.stderr()).split('Listening on').length - 1;
    while (listening() < 2) await delay(50);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(consoleUrl);
    await page.getByTestId('endpoint-row').first().waitFor();
  });

  after(async () => {
    await browser?.close();
    for (const each of running) each.kill();
    await backend?.close();
  });

  it('lists every endpoint with its method, and says how many', async () => {
    const rows = await page.getByTestId('endpoint-row').allInnerTexts();
    // Each row: method, path, and the number of findings when there are any.
    assert.deepEqual(
      rows.map((row) => row.replace(/\s+\d+$/, '').replace(/\s+/g, ' ').trim()),
      ['GET /users/{id}', 'GET /merged', 'GET /fail'],
    );
    assert.match(await page.getByTestId('summary').innerText(), /3 endpoints/);
  });

  it('shows an endpoint’s pipeline in the order its layers run, with each backend’s own layers', async () => {
    await page.getByTestId('endpoint-row').filter({ hasText: '/users/{id}' }).click();
    const layers = page.getByTestId('pipeline').getByTestId('layer');
    assert.deepEqual(await layers.nth(0).getByTestId('stage').allInnerTexts(), ['auth/api-keys', 'qos/ratelimit/router']);
    const backend = page.getByTestId('backend').first();
    assert.match(await backend.innerText(), /qos\/circuit-breaker/);
  });

  it('never shows a secret: key values and credential query parameters are masked', async () => {
    const model = await request(`${consoleUrl}api/model`);
    assert.equal(model.status, 200);
    assert.ok(!model.body.includes(SECRET), 'the model carries no secret');
    await page.getByTestId('endpoint-row').filter({ hasText: '/merged' }).click();
    assert.match(await page.getByTestId('detail').innerText(), /\/b\?api_key=••••••/);
    assert.ok(!(await page.content()).includes(SECRET));
  });

  it('shows a finding next to its endpoint, with the file and line', async () => {
    await page.getByTestId('endpoint-row').filter({ hasText: '/fail' }).click();
    const finding = page.getByTestId('detail').getByTestId('finding').first();
    assert.match(await finding.innerText(), /PRT_WARN_CONFIG_UNKNOWN_NAMESPACE/);
    assert.match(await finding.getByTestId('finding-line').innerText(), new RegExp(`krakend\\.json:${findingLine}$`));
  });

  it('draws the endpoint → backend graph', async () => {
    await page.getByTestId('tab-graph').click();
    assert.equal(await page.getByTestId('graph-endpoint').count(), 3);
    // Two distinct hosts: the backend, and the masked one.
    assert.equal(await page.getByTestId('graph-host').count(), 2);
    await page.screenshot({ path: await artifactPath('console-graph.png') });
    await page.getByTestId('graph-endpoint').first().click();
    assert.match(await page.getByTestId('detail').innerText(), /\/users\/\{id\}/);
  });

  it('updates live numbers, summed over both workers, without reloading the page', async () => {
    await page.getByTestId('endpoint-row').filter({ hasText: '/fail' }).click();
    const live = page.getByTestId('detail').getByTestId('live').first();
    await waitForText(live, /total/);
    assert.match(await live.innerText(), /\b0 total/);
    // Fresh connections, so both workers take some of them.
    for (let i = 0; i < 20; i++) assert.equal((await request(`http://127.0.0.1:${gatewayPort}/fail`, { headers: { connection: 'close' } })).status, 500);
    await waitForText(live, /\b20 total/);
    assert.match(await live.innerText(), /100 % errors/);
    assert.match(await live.innerText(), /p50 \d/);
    await page.screenshot({ path: await artifactPath('console-live.png') });
  });

  it('moves through the list with the keyboard', async () => {
    await page.getByTestId('tab-endpoint').click();
    await page.getByTestId('endpoint-row').first().click();
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getByTestId('endpoint-row').nth(1).getAttribute('aria-selected'), 'true');
    assert.match(await page.getByTestId('detail').innerText(), /\/merged/);
  });

  it('is read-only', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) assert.equal((await request(`${consoleUrl}api/model`, { method })).status, 405);
  });
});

describe('the offline console on 5,000 endpoints', { skip: missing ?? false }, () => {
  let browser: Browser;
  let cli: RunningCli;
  before(async () => {
    const endpoints = Array.from({ length: 5_000 }, (_, i) => ({ endpoint: `/service-${Math.floor(i / 100)}/item-${i}`, backend: [{ host: ['http://127.0.0.1:1'], url_pattern: `/items/${i}` }] }));
    const file = await writeConfig({ version: 3, endpoints });
    const port = await freePort();
    cli = startCli(['console', '-c', file, '--listen', `127.0.0.1:${port}`]);
    await waitForLine(cli, /console \(offline\) on/);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    cli?.kill();
  });

  it('renders only the rows in view, and finds an endpoint by its path', async () => {
    const url = (/on (http:\S+)/.exec(cli.stderr()) as RegExpExecArray)[1] as string;
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(url);
    await page.getByTestId('endpoint-row').first().waitFor();
    // The summary reads "connecting…" until the page has learnt the console is offline.
    await waitForText(page.getByTestId('summary'), /5000 endpoints · .* offline/);
    const rendered = await page.getByTestId('endpoint-row').count();
    assert.ok(rendered > 5 && rendered < 100, `${rendered} rows in the DOM`);
    await page.getByTestId('search').fill('item-4321');
    await page.getByTestId('endpoint-row').filter({ hasText: '/service-43/item-4321' }).waitFor();
    assert.equal(await page.getByTestId('endpoint-row').count(), 1);
    assert.equal(await page.getByTestId('match-count').innerText(), '1 of 5000');
    await page.screenshot({ path: await artifactPath('console-offline-5000.png') });
  });
});
