import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/auth/console-accounts.js';
import { documentBody, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { hubOnlyContext, launchChromium } from './chromium.js';

// The web console in headless Chromium against a real hub (API + worker, PostgreSQL, the agency
// simulator): each role logs in and does its work through the pages; nothing may be fetched from
// anywhere but the hub. Screenshots of the main pages go to test-artifacts/screenshots/ (and, with
// LIENTHONG_DOCS_SCREENSHOTS=1, the README's copies to docs/screenshots/).

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';
const H30 = '000.00.00.H30';
const H56 = '000.00.00.H56';
const G14 = '000.00.04.G14';
const ACCOUNTS = {
  admin: { username: 'quan.tri', password: 'Mật khẩu quản trị 2026' },
  operator: { username: 'van.hanh', password: 'Mật khẩu vận hành 2026' },
  auditor: { username: 'kiem.toan', password: 'Mật khẩu kiểm toán 2026' },
} as const;
type Role = keyof typeof ACCOUNTS;

const SHOTS = 'test-artifacts/screenshots';
const DOCS_SHOTS = new Set(['dashboard', 'search', 'message']);

describe('web console in Chromium', () => {
  let t: TestHub;
  let browser: Browser;
  const contexts: { context: BrowserContext; foreign: string[] }[] = [];
  const pageErrors: string[] = [];
  /** A delivered document with a known number (the search finds it). */
  const searched = { number: '', messageId: '' };
  /** Deliveries to H14 that its endpoint refused for good: the operator resends them. */
  const failed: string[] = [];

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestHub('postgres'), launchChromium()]);
    await Promise.all((Object.keys(ACCOUNTS) as Role[]).map((role) => createAccount(t.hub.db, { ...ACCOUNTS[role], role })));
    // 1. Traffic for the pages to show: two documents to H41 and H14, whose endpoint refuses them (400);
    // three more between other agencies, one of them to Thanh Hóa's inbox (pull mode: it stays pending).
    t.sim.setBehaviour('h14', { mode: 'fail', status: 400 });
    const ids: string[] = [];
    const send = async (key: string, body: Record<string, unknown>): Promise<void> => {
      const sent = await t.call('POST', '/v1/messages', { key, body });
      expect(sent.status).toBe(202);
      ids.push(sent.json.id);
    };
    for (let i = 0; i < 2; i++) {
      const body = documentBody(G22, [H41, H14]);
      await send(t.keys.g22, body);
      if (i === 0) Object.assign(searched, { number: (body.document as { number: string }).number, messageId: ids[0] });
    }
    await send(t.keys.h41, documentBody(H41, [G22]));
    await send(t.keys.g14, documentBody(G14, [H41, G22]));
    await send(t.keys.g22, documentBody(G22, [H56]));
    await t.until(async () => {
      const { rows } = await t.hub.db.query<{ id: string; state: string; recipient: string }>(
        `SELECT id, state, recipient FROM deliveries WHERE message_id = ANY($1::uuid[]) AND endpoint_id IS NOT NULL`, [ids]);
      if (rows.some((r) => r.state !== 'delivered' && r.state !== 'failed')) return false;
      failed.push(...rows.filter((r) => r.recipient === H14 && r.state === 'failed').map((r) => r.id));
      return true;
    });
    expect(failed).toHaveLength(2);
    await mkdir(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A fresh page in its own context (own cookies and storage), watched for foreign requests and script errors. */
  const newPage = async (): Promise<Page> => {
    const watched = await hubOnlyContext(browser, t.url);
    contexts.push(watched);
    const page = await watched.context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // HTTP errors the pages expect (401 before login, a refused change) are logged by Chromium as
    // "Failed to load resource"; anything else is a script's error.
    page.on('console', (msg) => { if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageErrors.push(msg.text()); });
    return page;
  };

  /** Logs in through the form, by mouse, or by keyboard alone (Tab between the fields, Enter to send). */
  const loginAs = async (role: Role, by: 'mouse' | 'keyboard' = 'mouse'): Promise<Page> => {
    const page = await newPage();
    await page.goto(`${t.url}/console/`);
    if (by === 'keyboard') {
      await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('username');
      await page.keyboard.type(ACCOUNTS[role].username);
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
      await page.keyboard.type(ACCOUNTS[role].password);
      await page.keyboard.press('Enter');
    } else {
      await page.getByLabel('Tên đăng nhập').fill(ACCOUNTS[role].username);
      await page.getByLabel('Mật khẩu').fill(ACCOUNTS[role].password);
      await page.getByRole('button', { name: 'Đăng nhập' }).click();
    }
    await expect.poll(() => page.getByTestId('who').textContent()).toContain(ACCOUNTS[role].username);
    return page;
  };

  const shot = async (page: Page, name: string): Promise<void> => {
    const path = join(SHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    if (process.env.LIENTHONG_DOCS_SCREENSHOTS === '1' && DOCS_SHOTS.has(name)) await copyFile(path, join('docs/screenshots', `${name}.png`));
  };

  const heading = (page: Page) => page.getByRole('heading', { level: 1 });

  it('serves the page with a strict Content-Security-Policy and its files versioned, immutable and compressed', async () => {
    const pageResponse = await fetch(`${t.url}/console/`);
    expect(pageResponse.status).toBe(200);
    const csp = pageResponse.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(pageResponse.headers.get('cache-control')).toBe('no-cache');
    const html = await pageResponse.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    expect(html).not.toMatch(/\sstyle=/);
    const main = /src="(\/console\/v\/[0-9a-f]{16}\/app\/main\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${t.url}${main}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const etag = asset.headers.get('etag')!;
    expect((await fetch(`${t.url}${main}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${t.url}/console/v/0000000000000000/app/main.js`)).status).toBe(404);
    expect((await fetch(`${t.url}/console`, { redirect: 'manual' })).headers.get('location')).toBe('/console/');
  });

  it('speaks Vietnamese by default; English when asked, remembered across visits, and back', async () => {
    const page = await newPage();
    await page.goto(`${t.url}/console/`);
    await expect.poll(() => heading(page).textContent()).toBe('Đăng nhập');
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => heading(page).textContent()).toBe('Log in');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.getByLabel('Username').count()).toBe(1);
    await page.reload();
    await expect.poll(() => heading(page).textContent()).toBe('Log in');
    await shot(page, 'login-en');
    // A wrong password, in the chosen language.
    await page.getByLabel('Username').fill(ACCOUNTS.admin.username);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong username or password');
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => heading(page).textContent()).toBe('Đăng nhập');
    expect(await page.evaluate(() => localStorage.getItem('lienthong.console.lang'))).toBe('vi');
  });

  it('admin: the dashboard shows volumes, delivered share, latency, failures by endpoint and agencies, with a chart', async () => {
    const page = await loginAs('admin');
    await expect.poll(() => heading(page).textContent()).toBe('Tổng quan trao đổi');
    // 5 messages, 8 deliveries: 5 delivered, 2 failed, 1 waiting in an inbox.
    await expect.poll(() => page.getByTestId('card-messages').textContent()).toContain('5');
    expect(await page.getByTestId('card-share').textContent()).toContain('62,5');
    expect(await page.getByTestId('card-share').textContent()).toContain('1 đang chờ');
    // The chart draws after the cards: wait for it rather than count it the moment the cards show.
    await expect.poll(() => page.locator('.chart canvas').count()).toBeGreaterThan(0);
    expect(await page.getByRole('heading', { name: 'Lỗi theo điểm nhận' }).count()).toBe(1);
    expect(await page.locator('ul.bars').first().textContent()).toContain('h14');
    expect(await page.getByTestId('agency-stats').textContent()).toContain('Văn phòng Chính phủ');
    await shot(page, 'dashboard');
    // Switching language on a page keeps the page and the session.
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => heading(page).textContent()).toBe('Exchange dashboard');
    expect(await page.getByRole('link', { name: 'Search' }).count()).toBe(1);
    await expect.poll(() => page.getByTestId('card-share').textContent()).toContain('62.5%');
    await shot(page, 'dashboard-en');
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => heading(page).textContent()).toBe('Tổng quan trao đổi');
  });

  it('admin: search by document number, then the message page: deliveries, attempts, timeline, receipts, evidence', async () => {
    const page = await loginAs('admin');
    await page.getByRole('link', { name: 'Tra cứu' }).click();
    await page.getByLabel('Số văn bản').fill(searched.number);
    await page.getByRole('button', { name: 'Tìm', exact: true }).click();
    const results = page.getByTestId('search-results');
    await expect.poll(() => results.locator('tbody tr').count()).toBe(2); // one row per recipient
    expect(await results.textContent()).toContain(`${searched.number}/VPCP-TEST`);
    expect(await results.textContent()).toContain('Thất bại');
    await shot(page, 'search');

    await results.locator('tbody tr').first().getByRole('link').click();
    await expect.poll(() => heading(page).textContent()).toBe(`Văn bản ${searched.number}/VPCP-TEST`);
    expect(await page.getByTestId('message-deliveries').locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId('timeline').textContent()).toContain('message.accepted');
    expect(await page.getByTestId('receipts').textContent()).toContain('Đã tiếp nhận');
    await shot(page, 'message');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('evidence').click()]);
    expect(download.suggestedFilename()).toBe(`evidence-${searched.messageId}.zip`);
  });

  it('operator: resends the selected failed deliveries; pauses and resumes an endpoint; no audit log, no configuration edits', async () => {
    const page = await loginAs('operator');
    expect(await page.getByRole('link', { name: 'Nhật ký kiểm toán' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Chuyển lỗi' }).click();
    const table = page.getByTestId('failed-deliveries');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2);
    await shot(page, 'failed');
    t.sim.setBehaviour('h14', { mode: 'ok' });
    await page.getByRole('checkbox', { name: 'Chọn tất cả trên trang' }).check();
    await page.getByRole('button', { name: 'Gửi lại các lượt đã chọn (2)' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Đã đưa lại vào hàng đợi 2 lượt');
    await t.until(async () => {
      const { rows } = await t.hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE id = ANY($1::uuid[]) AND state = 'delivered'`, [failed]);
      return rows[0]!.n === 2;
    });
    await page.getByRole('button', { name: 'Làm mới' }).or(page.getByRole('button', { name: 'Lọc' })).first().click();
    await expect.poll(() => page.getByTestId('no-failed').count()).toBe(1);

    const row = page.getByTestId('endpoint-panel').locator('tr[data-endpoint="h30"]');
    await row.getByLabel('Lý do tạm dừng h30').fill('Bảo trì hệ thống Hậu Giang');
    await row.getByRole('button', { name: 'Tạm dừng' }).click();
    await expect.poll(() => row.textContent()).toContain('Bảo trì hệ thống Hậu Giang');
    await row.getByRole('button', { name: 'Tiếp tục' }).click();
    await expect.poll(() => row.textContent()).toContain('Đang hoạt động');

    // Operators search the deliveries that wait or failed; a message id opens the message.
    await page.getByRole('link', { name: 'Tra cứu' }).click();
    await page.getByLabel('Mã thông điệp').fill(searched.messageId);
    await page.getByRole('button', { name: 'Tìm', exact: true }).click();
    await expect.poll(() => heading(page).textContent()).toBe(`Văn bản ${searched.number}/VPCP-TEST`);
    expect(await page.getByTestId('message-deliveries').textContent()).not.toContain('Thất bại');

    await page.getByRole('link', { name: 'Định tuyến' }).click();
    await expect.poll(() => page.getByTestId('routes').locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Sửa', exact: false }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Thêm tuyến' }).count()).toBe(0);
  });

  it('admin: a route edited in the console (refused first, with its problems) takes effect for the next message', async () => {
    const page = await loginAs('admin');
    await page.getByRole('link', { name: 'Định tuyến' }).click();
    await page.getByRole('button', { name: 'Sửa g14-to-h30-in-edxml' }).click();
    const form = page.getByTestId('route-form');
    // An unknown agency: the hub refuses the change and says why.
    await form.getByLabel('Nơi gửi').fill('000.00.00.Z99');
    await form.getByRole('button', { name: 'Lưu' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('unknown agency "000.00.00.Z99"');
    expect(await page.getByRole('alert').textContent()).toContain('Thay đổi cấu hình bị từ chối');
    await shot(page, 'routes-refused');
    // Fixed, and sent to the JSON endpoint instead of the edXML one.
    await form.getByLabel('Nơi gửi').fill(G14);
    await form.getByLabel('Điểm nhận').selectOption('h30');
    await form.getByRole('button', { name: 'Lưu' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Đã lưu: phiên bản cấu hình');
    const row = page.getByTestId('routes').locator('tr[data-route="g14-to-h30-in-edxml"]');
    await expect.poll(() => row.locator('td').nth(3).textContent()).toBe('h30');
    await row.getByRole('button', { name: 'Lịch sử' }).click();
    await expect.poll(() => page.getByTestId('history').textContent()).toContain('/endpoint');
    expect(await page.getByTestId('history').textContent()).toContain(`session:`);
    await shot(page, 'routes');

    const sent = await t.call('POST', '/v1/messages', { key: t.keys.g14, body: documentBody(G14, [H30]) });
    expect(sent.status).toBe(202);
    const delivery = await t.until(async () => {
      const view = await t.call('GET', `/v1/messages/${sent.json.id}`, { key: t.keys.admin });
      const d = view.json.deliveries[0];
      return d.state === 'delivered' ? d : undefined;
    });
    expect(delivery.endpoint).toBe('h30');
    expect(t.sim.requests('h30').length).toBeGreaterThan(0);
    expect(t.sim.requests('h30-edxml')).toHaveLength(0);
  });

  it('admin: the agencies page and an endpoint edited as JSON, refused with the problem shown, then cancelled', async () => {
    const page = await loginAs('admin');
    await page.getByRole('link', { name: 'Cơ quan' }).click();
    await expect.poll(() => page.getByTestId('configured-agencies').textContent()).toContain('UBND tỉnh Thanh Hóa');
    await page.getByLabel('Tìm cơ quan').fill('nghe an');
    await page.getByRole('button', { name: 'Tìm', exact: true }).click();
    await expect.poll(() => page.getByText('Không có kết quả.').count()).toBe(1); // no directory synchronised in this hub

    await page.getByRole('link', { name: 'Điểm nhận' }).click();
    await page.getByRole('button', { name: 'Sửa h41' }).click();
    const editor = page.getByLabel('Cấu hình (JSON)');
    const item = JSON.parse(await editor.inputValue());
    expect(item).toMatchObject({ id: 'h41', adapter: 'http-endpoint' });
    await editor.fill(JSON.stringify({ ...item, maxConcurrency: 0 }, null, 2));
    await page.getByRole('button', { name: 'Lưu' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('maxConcurrency');
    await page.getByRole('button', { name: 'Huỷ' }).click();
    expect(await page.getByRole('alert').count()).toBe(0);
    const config = await t.call('GET', '/v1/admin/endpoints/h41', { key: t.keys.admin });
    expect(config.json.item.maxConcurrency).toBeUndefined();
  });

  it('auditor (by keyboard): the audit log with its chain verified; reads failed deliveries and routes without any button to act', async () => {
    const page = await loginAs('auditor', 'keyboard');
    // The skip link and the navigation are reachable by keyboard, and a link opens its page on Enter.
    await page.getByRole('link', { name: 'Tổng quan' }).focus();
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Chuyển đến nội dung chính');
    await page.getByRole('link', { name: 'Nhật ký kiểm toán' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('verify-result').textContent(), { timeout: 15_000 }).toContain('Chuỗi nhật ký toàn vẹn');
    await expect.poll(() => page.getByTestId('audit-events').locator('tbody tr').count()).toBeGreaterThan(5);
    expect(await page.getByTestId('audit-events').textContent()).toContain('config.changed');
    await shot(page, 'audit');

    await page.getByRole('link', { name: 'Chuyển lỗi' }).click();
    await expect.poll(() => page.getByText('Kiểm toán chỉ xem').count()).toBe(1);
    expect(await page.getByRole('button', { name: /Gửi lại|Tạm dừng|Tiếp tục/ }).count()).toBe(0);
    await page.getByRole('link', { name: 'Định tuyến' }).click();
    await expect.poll(() => page.getByTestId('routes').locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: /^Sửa|^Tắt|^Bật|Thêm tuyến/ }).count()).toBe(0);
    // Logging out ends the session: the login page again, and the API says so.
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await expect.poll(() => heading(page).textContent()).toBe('Đăng nhập');
  });

  it('a logout the hub cannot complete (503) keeps the session view and says so; the next one logs out', async () => {
    const page = await loginAs('operator');
    let failing = true;
    await page.route('**/v1/session', (route) => (route.request().method() === 'DELETE' && failing
      ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ code: 'HUB_ERR_STORE_UNAVAILABLE', message: 'The store is unavailable', errorId: 'e-logout' }) })
      : route.fallback()));
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await expect.poll(() => page.getByTestId('logout-failed').textContent()).toContain('Chưa đăng xuất được');
    expect(await page.getByTestId('who').textContent()).toContain(ACCOUNTS.operator.username);
    expect(await page.getByRole('heading', { name: 'Đăng nhập' }).count()).toBe(0);
    // The session really is still open on the hub: the page goes on working in it.
    expect(await page.evaluate(async () => (await fetch('/v1/session')).status)).toBe(200);
    failing = false;
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await expect.poll(() => heading(page).textContent()).toBe('Đăng nhập');
    expect(await page.evaluate(async () => (await fetch('/v1/session')).status)).toBe(401);
  });

  it('fetched nothing from outside the hub and raised no script error', () => {
    expect(contexts.length).toBeGreaterThan(5);
    expect(contexts.flatMap((c) => c.foreign)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
