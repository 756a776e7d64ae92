import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { projectRoot } from '../../src/graphql/playground/playground-bundle.js';
import { gql, operation } from '../helpers/graphql-client.js';
import { ensurePlaygroundBundle } from '../helpers/playground-bundle.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { eventually } from '../helpers/wait.js';
import { feed, newSku, placeOrder } from '../integration/status-stream/helpers.js';

/** Debian's Chromium: the test never downloads a browser. */
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(projectRoot(), 'test-results', 'browser');
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const ops = { login: operation('login'), orderStatusChanged: operation('order-status-changed'), simulatePayment: operation('simulate-payment') };

/** Everything the page asked for or complained about: the test fails on any of it. */
interface Trouble {
  blocked: string[];
  failed: string[];
  consoleErrors: string[];
  pageErrors: string[];
  requests: string[];
  sockets: string[];
}

/** What the test reads inside the page (typed here: the test's tsconfig has no DOM library). */
interface InPage {
  __responses: string[];
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: { subtree: boolean; childList: boolean; characterData: boolean }): void };
}

/** Monaco draws spaces as no-break spaces; JSON in the response pane is compared as text. */
const paneText = (text: string | null) => (text ?? '').replace(/\u00a0/g, ' ');

describe('GraphiQL playground in Chromium, offline', () => {
  let app: TestApp;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const trouble: Trouble = { blocked: [], failed: [], consoleErrors: [], pageErrors: [], requests: [], sockets: [] };
  const shots: string[] = [];

  const shoot = async (name: string) => {
    const path = join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    shots.push(path);
  };

  /** Replaces an editor's whole text the way a user would: click, select all, type. */
  const typeInto = async (editor: Locator, text: string) => {
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Escape'); // close any suggestion widget
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    // One line, as one input event: Monaco's auto-indent would pile up on typed newlines.
    await page.keyboard.insertText(text.replace(/\s+/g, ' ').trim());
  };
  const prettify = () => page.getByRole('button', { name: /^Prettify/ }).click();

  beforeAll(async () => {
    await ensurePlaygroundBundle();
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    app = await startTestApp({ database: 'browser_playground' });
    profile = mkdtempSync(join(tmpdir(), 'wxshop-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        // A second wall behind page routing: no host but this machine resolves at all.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
      ],
      viewport: { width: 1400, height: 900 },
    });
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (LOCAL_HOSTS.has(url.hostname)) return route.continue();
      trouble.blocked.push(url.href);
      return route.abort('blockedbyclient');
    });
    context.on('request', (r) => trouble.requests.push(r.url()));
    context.on('requestfailed', (r) => trouble.failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
    context.on('response', (r) => {
      if (r.status() >= 400) trouble.failed.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
    });
    page = context.pages()[0] ?? (await context.newPage());
    // Generous: a shared 2-core CI machine parses a 5 MB bundle slowly. A safety net, not a measure.
    page.setDefaultTimeout(120_000);
    page.on('console', (m) => {
      if (m.type() === 'error') trouble.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => trouble.pageErrors.push(e.message));
    page.on('websocket', (ws) => trouble.sockets.push(ws.url()));
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await app?.close();
    if (shots.length > 0) process.stdout.write(`\nplayground screenshots (${shots.length}) in ${SCREENSHOTS}:\n${shots.map((s) => `  ${s}\n`).join('')}\n`);
  });

  it('logs in, puts the token in the headers, and shows PAID then SHIPPED from a live orderStatusChanged', async () => {
    const schemaLoaded = page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('__schema'));
    await page.goto(`${app.url}/graphql`);
    const queryEditor = page.locator('.graphiql-query-editor .graphiql-editor');
    const variablesEditor = page.locator('.graphiql-editor-tool .graphiql-editor').nth(0);
    const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor').nth(1);
    const response = page.locator('.graphiql-response');
    await queryEditor.locator('.view-lines').waitFor();
    expect((await schemaLoaded).status()).toBe(200);
    await shoot('01-loaded');

    // Every canonical operation is an example; one loads with its fragment appended.
    await page.getByRole('button', { name: 'Show Examples' }).click();
    const examples = page.locator('.wxshop-examples li button');
    const canonical = readdirSync(join(projectRoot(), 'test', 'operations')).filter((f) => f.endsWith('.graphql'));
    await expect(examples.count()).resolves.toBe(canonical.length);
    await examples.filter({ hasText: 'place-order.graphql' }).click();
    await eventually(async () => paneText(await queryEditor.textContent()).includes('fragment OrderFields on Order'), { what: 'PlaceOrder loaded with its fragment', timeoutMs: 60_000 });
    await shoot('02-examples');
    // The explorer draws the introspected schema.
    await page.getByRole('button', { name: 'Show GraphiQL Explorer' }).click();
    await page.locator('.graphiql-plugin').getByText('placeOrder', { exact: true }).first().waitFor();
    await shoot('03-explorer');
    await page.getByRole('button', { name: 'Hide GraphiQL Explorer' }).click();

    // Log in: the canonical operation, typed, with its variables.
    await typeInto(queryEditor, ops.login);
    await prettify();
    await page.locator('button[data-name="variables"]').click();
    await typeInto(variablesEditor, JSON.stringify({ code: 'browser-qa-customer' }));
    const loginAnswer = page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('mutation Login'));
    await page.locator('.graphiql-execute-button').click();
    const loginRequest = (await loginAnswer).request();
    const login = (await (await loginAnswer).json()) as { data?: { login: { token: string; user: { id: string } } }; errors?: unknown };
    if (!login.data) throw new Error(`login from the playground failed: ${JSON.stringify(login.errors)} (sent ${loginRequest.postData()})`);
    const token = login.data.login.token;
    await eventually(async () => paneText(await response.textContent()).includes(`"token": "${token}"`), { what: 'the login result in the response pane', timeoutMs: 60_000 });
    await shoot('04-logged-in');

    // The token goes into the headers editor, as a QA engineer would paste it.
    await page.locator('button[data-name="headers"]').click();
    await typeInto(headersEditor, JSON.stringify({ authorization: `Bearer ${token}` }));

    // An order of this customer, placed over HTTP, then watched from the playground.
    const customer = { token, userId: Number(login.data.login.user.id), code: 'browser-qa-customer' };
    const order = await placeOrder(app, customer, await newSku(app));
    await typeInto(queryEditor, ops.orderStatusChanged);
    await prettify();
    await page.locator('button[data-name="variables"]').click();
    await typeInto(variablesEditor, JSON.stringify({ orderNo: order.orderNo }));
    // Every state the response pane goes through, in order (PAID may last only a moment).
    await response.evaluate((pane) => {
      const page = globalThis as unknown as InPage;
      const seen: string[] = [];
      page.__responses = seen;
      new page.MutationObserver(() => seen.push(pane.textContent ?? '')).observe(pane, { subtree: true, childList: true, characterData: true });
    });
    await page.locator('.graphiql-execute-button').click();
    await eventually(() => feed(app).watchers(order.orderNo) === 1, { what: 'the playground subscription open on the server', timeoutMs: 60_000 });
    expect(trouble.sockets).toEqual([`${app.url.replace(/^http/, 'ws')}/graphql`]);

    const paid = await gql(app.url, ops.simulatePayment, { orderNo: order.orderNo }, token);
    expect(paid.errors).toBeUndefined();
    await page.waitForFunction(() => (globalThis as unknown as InPage).__responses.some((t) => /"status":\s*"SHIPPED"/.test(t.replace(/\u00a0/g, ' '))));
    await page.locator('button[data-name="headers"]').click();
    await shoot('05-subscription-shipped');

    const states = (await page.evaluate(() => (globalThis as unknown as InPage).__responses)).map(paneText);
    const firstPaid = states.findIndex((t) => /"status":\s*"PAID"/.test(t));
    const firstShipped = states.findIndex((t) => /"status":\s*"SHIPPED"/.test(t));
    expect(firstPaid).toBeGreaterThanOrEqual(0);
    expect(firstShipped).toBeGreaterThan(firstPaid);
    expect(paneText(await response.textContent())).toContain(order.orderNo);

    // Nothing left the machine, nothing failed, nothing complained.
    expect(trouble.blocked).toEqual([]);
    expect(trouble.failed).toEqual([]);
    expect(trouble.consoleErrors).toEqual([]);
    expect(trouble.pageErrors).toEqual([]);
    expect(trouble.requests.filter((u) => !u.startsWith(`${app.url}/`) && !u.startsWith('data:'))).toEqual([]);
    expect(app.logs.lines.filter((l) => /websocket refused/.test(l))).toEqual([]);
  });
});
