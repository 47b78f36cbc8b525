// Developer aid: sign in and screenshot the given paths (not part of the suite).
import { chromium } from 'playwright-core';
const [base, email, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
await page.goto(base + '/sign-in');
await page.getByLabel('Email address').fill(email);
await page.getByLabel('Password').fill('orbit kettle marmalade');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL(base + '/');
let n = 0;
for (const path of paths) {
  await page.goto(base + path);
  n += 1;
  await page.screenshot({ path: `/tmp/shots/${n}.png`, fullPage: true });
  console.log(n, path, (await page.textContent('h1')));
}
await browser.close();
