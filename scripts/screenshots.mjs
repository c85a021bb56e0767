// Screenshots of the pages for the README, taken in Debian's Chromium with
// playwright-core. Run by scripts/screenshots.sh against a seeded host.
import { chromium } from 'playwright-core';

const base = process.env.BASE;
const out = process.env.OUT;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

async function session(user, window) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1, locale: 'zh-CN' });
  const page = await ctx.newPage();
  if (user) {
    await page.goto(base + '/login');
    await page.fill('input[name=username]', user);
    await page.fill('input[name=password]', 'correct horse battery');
    if (window) await page.fill('input[name=window]', window);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  }
  return page;
}

async function shot(page, path, file, full = true) {
  await page.goto(base + path);
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${out}/${file}.png`, fullPage: full });
  console.log(`  ✓ ${file}.png  ${path}`);
}

const admin = await session('admin');
for (const [p, f] of [['/admin/host/staff', 'admin-staff'], ['/admin/host/devices', 'admin-devices'], ['/admin/host/plugins', 'admin-plugins'], ['/admin/host/audit', 'admin-audit'], ['/admin/host/content', 'admin-content'], ['/queue/admin', 'queue-settings'], ['/admin/host/fleet', 'admin-fleet'], ['/admin/host/notify', 'admin-notify']]) {
  await shot(admin, p, f);
}
const anyone = await session(null);
await anyone.setViewportSize({ width: 1080, height: 1400 });
await shot(anyone, '/queue/kiosk', 'queue-kiosk', false);
await anyone.setViewportSize({ width: 390, height: 844 });
await shot(anyone, process.env.TICKET_PATH, 'queue-ticket-page');
await shot(anyone, '/notices', 'notices');
const clerk = await session('clerk1', '1');
await shot(clerk, '/queue/counter', 'queue-counter');
const sup = await session('supervisor');
await shot(sup, '/queue/stats', 'queue-stats');
await browser.close();
