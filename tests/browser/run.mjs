// The browser test: a real headless Chromium signs in to a running MASA, creates an
// organisation, finds it in the list and in the audit trail, and runs axe-core on every page
// it visits. Run by the Rust test `browser` (tests/integration/browser.rs) with MASA_URL set.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const base = process.env.MASA_URL;
const password = process.env.MASA_DEMO_PASSWORD;
const shots = process.env.MASA_SCREENSHOTS || '';
if (!base || !password) throw new Error('MASA_URL and MASA_DEMO_PASSWORD must be set');

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const failures = [];
let checked = 0;
const expectedNotFound = new Set(['/no-such-page', '/dataset/drops/abc']);
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  // Any CSP refusal or script error on a page is a failure: the pages must work under the policy.
  page.on('console', (message) => {
    // A form shown again with its errors answers 422 on purpose; Chromium logs that as an error.
    // The error pages visited on purpose answer 404 too.
    const expected = /status of 422/.test(message.text())
      || (/status of 404/.test(message.text()) && expectedNotFound.has(new URL(page.url()).pathname));
    if (message.type() === 'error' && !expected) failures.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => failures.push(`script error on ${page.url()}: ${error.message}`));

  async function check(label) {
    // Injected through the DevTools protocol, which the page's CSP does not govern.
    await page.evaluate(axeSource);
    const results = await page.evaluate(() => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    }));
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    for (const violation of serious) {
      failures.push(`${label} (${page.url()}): axe ${violation.impact} ${violation.id}: ${violation.help} — ${violation.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    }
    checked += 1;
    if (shots) {
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: `${shots}/${String(checked).padStart(2, '0')}-${label.replace(/\W+/g, '-')}.png`, fullPage: true });
    }
    const minor = results.violations.filter((v) => !serious.includes(v)).map((v) => `${v.id} (${v.impact})`);
    console.log(`checked ${label}: ${serious.length} serious axe findings${minor.length ? `; minor: ${minor.join(', ')}` : ''}`);
  }

  async function visit(path, label) {
    const response = await page.goto(base + path);
    if (!response || response.status() !== 200) failures.push(`${label}: GET ${path} answered ${response && response.status()}`);
    await check(label);
  }

  function expect(condition, message) {
    if (!condition) failures.push(message);
  }

  // The scrutineer's first visit, in a browser of their own: their home page later lists what
  // changed since.
  {
    const scrutiny = await browser.newContext();
    const scrutinyPage = await scrutiny.newPage();
    await scrutinyPage.goto(base + '/sign-in');
    await scrutinyPage.getByLabel('Email address').fill('scrutineer@masa.example');
    await scrutinyPage.getByLabel('Password').fill(password);
    await scrutinyPage.getByRole('button', { name: 'Sign in' }).click();
    await scrutinyPage.waitForURL(base + '/');
    await scrutiny.close();
  }

  // Sign in.
  await visit('/sign-in', 'sign in');
  await page.getByLabel('Email address').fill('admin@masa.example');
  await page.getByLabel('Password').fill('wrong password entirely');
  await page.getByRole('button', { name: 'Sign in' }).click();
  expect(await page.locator('.govuk-error-summary').isVisible(), 'a wrong password shows the error summary');
  await check('sign in with an error');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(base + '/');
  expect((await page.textContent('h1')).includes('Welcome'), 'home page greets the admin');
  await check('home');

  // Create an organisation: first with a mistake, then properly.
  const name = `Browser Test Agency ${Date.now()}`;
  await visit('/partnership/organisations/new', 'add an organisation');
  await page.getByRole('button', { name: /save|add/i }).first().click();
  expect(await page.locator('.govuk-error-summary').isVisible(), 'an empty form shows the error summary');
  await check('add an organisation with errors');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.locator('#kind').selectOption('relevant_agency');
  await page.getByLabel('Sector').fill('Justice');
  await page.locator('#active_from_day').fill('1');
  await page.locator('#active_from_month').fill('4');
  await page.locator('#active_from_year').fill('2025');
  await page.getByRole('button', { name: /save|add/i }).first().click();
  await page.waitForURL(/\/partnership\/organisations\/\d+$/);
  expect((await page.textContent('main')).includes(`${name} added`), 'the new organisation page confirms it was added');
  await check('organisation');

  await visit('/partnership/organisations', 'organisations');
  expect(await page.getByRole('link', { name }).isVisible(), 'the new organisation is in the list');

  await visit('/audit-trail', 'audit trail');
  expect((await page.textContent('main')).includes(`Created organisation ${name}`), 'the creation is in the audit trail');
  await page.getByRole('link', { name: `Created organisation ${name}` }).click();
  await check('audit entry');

  // The other main pages.
  for (const [path, label] of [
    ['/partnership', 'partnership overview'],
    ['/partnership/people', 'people'],
    ['/partnership/groups', 'groups'],
    ['/partnership/groups/1', 'group'],
    ['/partnership/groups/1/members/new', 'add a member'],
    ['/partnership/rotations', 'rotations'],
    ['/partnership/business-plans', 'business plans'],
    ['/partnership/business-plans/1', 'business plan'],
    ['/users', 'users'],
    ['/users/new', 'create an account'],
    ['/users/1', 'an account, with its sign-in lock'],
    ['/users/api-tokens', 'API tokens of the partnership'],
    ['/account', 'your account'],
    ['/learning', 'serious incident notifications'],
    ['/learning/notifications/1', 'serious incident'],
    ['/learning/bank-holidays', 'bank holidays'],
  ]) {
    await visit(path, label);
  }

  await visit('/dataset', 'scorecard');
  await visit('/dataset/indicators', 'indicator catalogue');
  // An indicator whose small counts are suppressed: the chart and table leave them out of the mean.
  await page.getByRole('link', { name: /ketamine/i }).first().click();
  await page.waitForURL(/\/dataset\/indicators\/\d+$/);
  expect((await page.textContent('main')).includes('fewer than 5'), 'small counts are shown as fewer than 5');
  await check('indicator with suppressed quarters');
  await visit('/dataset/indicators/new', 'add an indicator (its reporting organisation searchable)');
  await visit('/dataset/periods', 'collection periods');

  async function signOutAndIn(email) {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(base + '/');
  }

  // A partner's data lead uploads the quarter's spreadsheet and submits it.
  await signOutAndIn('police.data@masa.example');
  const leadItems = await page.locator('[data-testid="work-waiting"] li').allTextContents();
  expect(leadItems.some((item) => /data drop/.test(item)), `the data lead's home page lists their own drop: ${leadItems.map((item) => item.replace(/\s+/g, ' ').trim()).join(' | ')}`);
  await check('home (data lead with a drop to send)');
  await visit('/dataset/drops', 'data drops (partner)');
  await page.getByRole('link', { name: /Continue draft/ }).first().click();
  await page.waitForURL(/\/dataset\/drops\/\d+$/);
  const dropUrl = page.url();
  await check('data drop draft');
  const template = await (await page.request.get(dropUrl + '/template.csv')).text();
  const lines = template.trim().split(/\r?\n/);
  const filled = [lines[0], ...lines.slice(1).map((line) => {
    const cells = line.split(',');
    if (cells[0] === 'MFH-01') cells[3] = '31';
    else if (cells[3] === '') cells[3] = '1';
    return cells.join(',');
  })].join('\n');
  await page.setInputFiles('#file', { name: 'police-2026-27-q2.csv', mimeType: 'text/csv', buffer: Buffer.from(filled) });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.waitForURL(dropUrl);
  expect((await page.textContent('main')).includes('values uploaded'), 'the upload is confirmed');
  await page.locator('#working_well').fill('Return home interviews stay high.');
  await page.locator('#worried_about').fill('Exploitation referrals rose over the summer.');
  await page.locator('#doing_about_it').fill('Weekly multi-agency meetings review every medium-risk referral.');
  await page.locator('#previous_actions').fill('The ketamine task and finish group reported to the Executive.');
  for (const box of await page.locator('input[type=checkbox][name^=confirm_]').all()) await box.check();
  // The session ends while the storyboard is being typed: what was typed is kept through
  // signing in again, and sent from there.
  const ended = (await context.cookies()).find((cookie) => cookie.name === 'masa_session');
  await context.addCookies([{ ...ended, value: 'f'.repeat(64) }]);
  await page.getByRole('button', { name: 'Save and submit to the business unit' }).click();
  await page.waitForURL(/\/sign-in/);
  await check('sign in after the session ended');
  await page.getByLabel('Email address').fill('police.data@masa.example');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(base + '/kept-form');
  expect((await page.textContent('main')).includes('Exploitation referrals rose over the summer.'), 'the storyboard typed before the session ended is kept');
  await check('what you typed, kept across a session expiry');
  await page.getByRole('button', { name: 'Send what you typed' }).click();
  await page.waitForURL(dropUrl);
  expect((await page.textContent('main')).includes('submitted to the business unit'), 'the drop is submitted');
  await check('data drop submitted');

  // The business unit approves it, and the scorecard shows the new quarter.
  await signOutAndIn('admin@masa.example');
  await page.goto(dropUrl);
  expect((await page.textContent('main')).includes('Previous quarter'), 'the approval page shows the previous quarter beside each value');
  await page.getByRole('button', { name: 'Record decision' }).click();
  await page.waitForLoadState();
  expect(page.url() === dropUrl, `a decision with no choice comes back to the drop's page, not ${page.url()}`);
  expect((await page.locator('.govuk-error-summary').textContent()).length > 0, 'a decision with no choice shows the error summary');
  await check('a decision with no choice');
  await page.setViewportSize({ width: 375, height: 800 });
  const approvalSideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(approvalSideways <= 0, `the approval page scrolls sideways by ${approvalSideways} px at 375 px`);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.locator('#decision').check();
  await page.getByRole('button', { name: 'Record decision' }).click();
  await page.waitForURL(dropUrl);
  expect((await page.textContent('main')).includes('Approved'), 'the drop is approved');
  await visit('/dataset', 'scorecard after approval');
  const missingRow = page.locator('tr', { hasText: 'MFH-01' }).first();
  const rowText = await missingRow.textContent();
  expect(rowText.includes('2026-27 Q2') && rowText.includes('31'), `the scorecard shows MFH-01's new value: ${rowText.replace(/\s+/g, ' ')}`);
  await missingRow.getByRole('link').first().click();
  await page.waitForURL(/\/dataset\/indicators\/\d+$/);
  await check('indicator with SPC chart');
  expect(await page.locator('figure svg[role=img]').count() === 1, 'the indicator page has its SPC chart');

  // --- learning reviews (wt-learning)
  for (const [path, label] of [
    ['/learning', 'learning landing'],
    ['/learning/notifications', 'serious incident notifications'],
    ['/learning/reviews', 'learning reviews'],
    ['/learning/reviews?review_type=rapid_review&status=', 'learning reviews filtered'],
    ['/learning/reviews/1', 'learning review'],
    ['/learning/reviews/1/edit', 'edit a learning review'],
    ['/learning/reviews/new', 'record a learning review'],
    ['/learning/themes?year=2024-25', 'themes across reviews'],
    ['/learning/triage', 'national review triage'],
    ['/learning/triage/1', 'national review with triage'],
    ['/learning/triage/new', 'log a review for triage'],
  ]) {
    await visit(path, label);
  }
  await page.goto(base + '/learning/reviews/new');
  await page.getByRole('button', { name: 'Record review' }).click();
  expect(await page.locator('.govuk-error-summary').isVisible(), 'an empty learning review form shows the error summary');
  await check('record a learning review with errors');
  // --- end learning reviews
  // --- risks and policies (wt-risks)
  for (const [path, label] of [
    ['/tracker/risks', 'risk register'],
    ['/tracker/risks/heat-map', 'risk heat map (residual)'],
    ['/tracker/risks/heat-map?basis=inherent', 'risk heat map (inherent)'],
    ['/tracker/risks/1', 'risk'],
    ['/tracker/risks/new', 'add a risk'],
    ['/tracker/risks/1/edit', 'edit a risk'],
    ['/tracker/risks/1/rescore', 're-score a risk'],
    ['/tracker/risks/1/close', 'close a risk'],
    ['/tracker/risks/1/controls/new', 'add a control'],
    ['/tracker/policies', 'policies and procedures'],
    ['/tracker/policies/1', 'policy'],
    ['/tracker/policies/new', 'add a policy'],
    ['/tracker/policies/1/edit', 'edit a policy'],
    ['/tracker/policies/1/approve', 'approve a policy version'],
  ]) {
    await visit(path, label);
  }
  await page.goto(base + '/tracker/risks/heat-map');
  expect(await page.locator('figure svg[role=img]').count() === 1, 'the heat map is drawn without JavaScript');
  await page.goto(base + '/tracker/risks/1/rescore');
  await page.locator('#residual_likelihood').selectOption('5');
  await page.locator('#residual_impact').selectOption('5');
  await page.getByRole('button', { name: 'Save scores' }).click();
  expect(await page.locator('.govuk-error-summary').isVisible(), 'a residual above the inherent score shows the error summary');
  await check('re-score refused');
  // --- end risks and policies

  // --- improvement tracker: from a review's recommendation to an action closed with evidence
  await visit('/learning/reviews/1', 'learning review (before)');
  await page.getByRole('link', { name: 'Add a recommendation to the improvement tracker' }).click();
  await page.waitForURL(/\/tracker\/recommendations\/new\?/);
  await check('record a recommendation from a review');
  const recommendationRef = `REC-B${Date.now()}`;
  await page.locator('#reference').fill(recommendationRef);
  await page.locator('#recommendation').fill('Share this review\'s learning on escalation with every designated safeguarding lead.');
  await page.getByRole('button', { name: 'Record recommendation' }).click();
  await page.waitForURL(/\/tracker\/recommendations\/\d+$/);
  await check('recommendation');
  const nextYear = String(new Date().getFullYear() + 1);
  const today = new Date();
  await page.getByRole('button', { name: 'Add action' }).click();
  expect(await page.locator('.govuk-error-summary').isVisible(), 'an empty action shows the error summary');
  await check('add an action with errors');
  await page.locator('#title').fill('Brief designated safeguarding leads on the escalation learning');
  // The organisation list is searchable (accessible-autocomplete): type, then choose.
  await page.locator('#owner_organisation_id').fill('Halton Borough Council');
  await page.getByRole('option', { name: 'Halton Borough Council', exact: true }).click();
  await page.locator('#due_on_day').fill('31');
  await page.locator('#due_on_month').fill('3');
  await page.locator('#due_on_year').fill(nextYear);
  await page.locator('#impact_measure').fill('s175 re-audit: share of schools grading the Escalation standard as met or exceeds');
  await page.getByRole('button', { name: 'Add action' }).click();
  await page.waitForURL(/\/tracker\/actions\/\d+$/);
  const actionUrl = page.url();
  await check('action');
  await page.locator('#status').selectOption('on_track');
  await page.locator('#note').fill('Briefing written; sessions booked for next half term.');
  await page.getByRole('button', { name: 'Record progress' }).click();
  await page.waitForURL(actionUrl);
  expect((await page.textContent('main')).includes('Progress recorded'), 'progress is recorded');
  await page.locator('#completion_note').fill('Every designated safeguarding lead briefed.');
  await page.locator('#completed_on_day').fill(String(today.getDate()));
  await page.locator('#completed_on_month').fill(String(today.getMonth() + 1));
  await page.locator('#completed_on_year').fill(String(today.getFullYear()));
  await page.locator('#revisit_on_day').fill('1');
  await page.locator('#revisit_on_month').fill('6');
  await page.locator('#revisit_on_year').fill(nextYear);
  await page.getByRole('button', { name: 'Complete the action' }).click();
  await page.waitForURL(actionUrl);
  expect((await page.textContent('main')).includes('comes back for its revisit'), 'the action is complete and awaits its revisit');
  await check('action complete');
  await page.locator('#outcome').selectOption('impact_evidenced');
  await page.locator('#revisit_note').fill('Escalations by schools rose.');
  await page.getByRole('button', { name: 'Record the revisit' }).click();
  expect((await page.textContent('.govuk-error-summary')).includes('cannot be closed without evidence'), 'closing without evidence is refused');
  await check('revisit refused without evidence');
  await page.goto(actionUrl);
  await page.locator('#description').fill('Re-audit: escalation standard met or exceeded in 9 of 10 schools');
  await page.setInputFiles('#file', { name: 're-audit.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% re-audit\n%%EOF\n') });
  await page.getByRole('button', { name: 'Add evidence' }).click();
  await page.waitForURL(/\/tracker\/actions\/\d+#evidence$/);
  expect(await page.getByRole('link', { name: 're-audit.pdf' }).isVisible(), 'the evidence file is listed');
  await page.locator('#outcome').selectOption('impact_evidenced');
  await page.locator('#revisit_note').fill('Escalations by schools rose from 0 to 5 at step 3.');
  await page.getByRole('button', { name: 'Record the revisit' }).click();
  await page.waitForURL(actionUrl);
  expect((await page.textContent('main')).includes('Action closed with evidence'), 'the action is closed with evidence');
  await check('action closed with evidence');
  await visit('/learning/reviews/1', 'learning review (after)');
  const reviewText = await page.textContent('main');
  expect(reviewText.includes(recommendationRef) && reviewText.includes('Closed with evidence'), 'the review shows its recommendation and the closed action');
  for (const [path, label] of [
    ['/tracker', 'improvement tracker'],
    ['/tracker?view=mine&group=organisation', 'my actions by organisation'],
    ['/tracker/recommendations', 'recommendations'],
    ['/tracker/actions/1/edit', 'edit an action'],
  ]) {
    await visit(path, label);
  }
  await page.goto(base + '/tracker/policies/1');
  await page.setInputFiles('#file', { name: 'procedure.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% procedure\n%%EOF\n') });
  await page.getByRole('button', { name: 'Upload document' }).click();
  await page.waitForURL(/\/tracker\/policies\/1$/);
  expect(await page.getByRole('link', { name: 'procedure.pdf' }).isVisible(), 'the policy lists its uploaded document');
  await check('policy with its document');
  // --- end improvement tracker

  // --- the header, the Admin area and the error pages (issue 11)
  await visit('/admin', 'admin');
  expect(await page.getByRole('link', { name: 'Audit trail' }).first().isVisible(), 'Admin leads to the audit trail');
  await visit('/tracker/risks', 'risk register, under the tracker');
  expect(await page.locator('.masa-section-nav [aria-current="page"]').textContent() === 'Risks', 'the tracker section marks Risks');
  for (const width of [1024, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto(base + '/');
    const rows = await page.$$eval('.govuk-service-navigation__item', (items) =>
      [...new Set(items.map((item) => Math.round(item.getBoundingClientRect().top)))]);
    expect(rows.length === 1, `the header navigation is one row at ${width} px (rows at ${rows.join(', ')})`);
  }
  await page.setViewportSize({ width: 375, height: 800 });
  for (const path of ['/', '/admin']) {
    await page.goto(base + path);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(sideways <= 0, `${path} scrolls sideways by ${sideways} px at 375 px`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const [path, status, heading] of [
    ['/no-such-page', 404, 'Page not found'],
    ['/dataset/drops/abc', 404, 'Page not found'],
  ]) {
    const response = await page.goto(base + path);
    expect(response && response.status() === status, `${path} answers ${status}, not ${response && response.status()}`);
    expect((await page.textContent('h1')).includes(heading), `${path} is a GOV.UK "${heading}" page`);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible(), `${path} keeps the signed-in header`);
    await check(`error page ${path}`);
  }
  // --- end header, Admin and error pages

  // --- Back after an error never sends the form again (post/redirect/get)
  await page.goto(base + '/partnership/organisations/new');
  await page.getByLabel('Sector').fill('Typed before the mistake');
  await page.getByRole('button', { name: /save|add/i }).first().click();
  await page.waitForLoadState();
  expect(new URL(page.url()).pathname === '/partnership/organisations/new', `a refused form is shown at its own address, not ${page.url()}`);
  expect(await page.locator('.govuk-error-summary').isVisible(), 'the refused form shows its errors');
  expect(await page.getByLabel('Sector').inputValue() === 'Typed before the mistake', 'the refused form keeps what was typed');
  const resent = [];
  const onRequest = (request) => { if (request.method() !== 'GET') resent.push(`${request.method()} ${request.url()}`); };
  page.on('request', onRequest);
  await page.goBack();
  expect(new URL(page.url()).pathname === '/partnership/organisations/new', `Back after an error returns to the form, not ${page.url()}`);
  await page.goForward();
  await page.reload();
  page.off('request', onRequest);
  expect(resent.length === 0, `Back, Forward or Reload after an error sent the form again: ${resent.join(', ')}`);
  expect(!(await page.textContent('body')).includes('Confirm Form Resubmission'), 'no resubmission page');
  await check('the form again after Back and Reload');

  // --- reports (issue 12): generate the yearly report, read it, follow a figure to its records,
  // write the foreword, download the PDF, and read it all at phone width
  await visit('/reports', 'reports');
  await page.getByLabel('Report').selectOption('yearly');
  await page.getByLabel('Period').fill('2024-25');
  await page.getByRole('button', { name: 'Generate draft' }).click();
  await page.waitForURL(/\/reports\/\d+$/);
  const reportPath = new URL(page.url()).pathname;
  expect((await page.textContent('h1')).includes('2024/25'), 'the generated report is the 2024/25 one');
  const reportText = await page.textContent('main');
  for (const wanted of ['Learning from case reviews', 'Rapid review for Child N', 'Not yet held in MASA', 'Appendix: figure provenance']) {
    expect(reportText.includes(wanted), `the report page shows "${wanted}"`);
  }
  await check('yearly report draft');
  const figureLink = page.locator('a.masa-figure').first();
  await figureLink.click();
  await page.waitForURL(/\/figures\//);
  expect(await page.locator('table').count() > 0, 'a figure page lists the records behind it');
  await check('a figure and its records');
  await page.goto(base + reportPath);
  await page.getByRole('link', { name: /foreword/i }).first().click();
  await page.waitForLoadState();
  await check('the foreword, with suggested sentences');
  const pdf = await page.request.get(base + reportPath + '/report.pdf');
  expect(pdf.status() === 200 && pdf.headers()['content-type'] === 'application/pdf', `the report's PDF downloads (${pdf.status()})`);
  expect((await pdf.body()).subarray(0, 5).toString() === '%PDF-', 'the download is a PDF');
  await page.setViewportSize({ width: 375, height: 800 });
  for (const path of ['/reports', reportPath]) {
    await page.goto(base + path);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(sideways <= 0, `${path} scrolls sideways by ${sideways} px at 375 px`);
  }
  await check('yearly report at 375 px');
  await page.setViewportSize({ width: 1280, height: 800 });
  // --- end reports

  // --- each role's home page lists its own work, or says what they will do here
  for (const [email, wanted, label] of [
    ['admin@masa.example', /improvement actions? overdue/, 'home (business unit)'],
    ['icb.data@masa.example', /improvement action/, 'home (data lead)'],
    ['chair@masa.example', /overseen by Quality and Impact/, 'home (group chair)'],
    ['scrutineer@masa.example', /changes? since your last visit/, 'home (scrutineer)'],
  ]) {
    await signOutAndIn(email);
    const items = await page.locator('[data-testid="work-waiting"] li').allTextContents();
    expect(items.some((item) => wanted.test(item)), `${label} lists ${wanted}: ${items.map((item) => item.replace(/\s+/g, ' ').trim()).join(' | ')}`);
    await check(label);
  }
  for (const [email, label] of [
    ['school.dsl@masa.example', 'home (audit respondent)'],
    ['practitioner@masa.example', 'home (practitioner)'],
  ]) {
    await signOutAndIn(email);
    const nothing = await page.locator('[data-testid="nothing-waiting"]').textContent();
    expect(nothing.includes('Ask the partnership business unit'), `${label} says what they will do here and who to ask: ${nothing}`);
    await check(label);
  }

  // --- assurance (issue 13): the QA plan on a page
  await signOutAndIn('admin@masa.example');
  await visit('/assurance', 'assurance');
  await page.getByRole('link', { name: 'The QA plan on a page' }).click();
  await page.waitForURL(/\/assurance\/plan/);
  await page.goto(base + '/assurance/plan?year=2024');
  expect((await page.textContent('h1')).includes('2024/25'), 'the plan shows the year asked for');
  expect(await page.getByRole('row', { name: /Section 11 moderation panel/ }).isVisible(), 'the plan lists the moderation panel');
  await check('QA plan on a page');
  await page.getByRole('link', { name: 'Add an activity' }).click();
  await page.getByRole('button', { name: 'Add to the plan' }).click();
  expect(await page.locator('.govuk-error-summary').isVisible(), 'an empty activity is refused with an error summary');
  await check('QA plan activity refused');
  await page.getByLabel('Kind of activity').selectOption('case_file_audit');
  await page.getByLabel('Title').fill('Multi-agency audit: neglect re-audit');
  await page.locator('#starts_on_day').fill('3');
  await page.locator('#starts_on_month').fill('2');
  await page.locator('#starts_on_year').fill('2025');
  await page.getByRole('button', { name: 'Add to the plan' }).click();
  await page.waitForURL(/\/assurance\/plan\?year=2024/);
  expect(await page.getByRole('row', { name: /neglect re-audit/ }).isVisible(), 'the added activity is on the plan');
  await page.setViewportSize({ width: 375, height: 800 });
  {
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(sideways <= 0, `/assurance/plan scrolls sideways by ${sideways} px at 375 px`);
    await check('QA plan at 375 px');
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  {
    const feed = await page.request.get(base + '/assurance/plan.ics');
    expect(feed.status() === 200 && (await feed.text()).includes('BEGIN:VEVENT'), 'the plan downloads as a calendar');
  }

  // A round opened for the schools' umbrella organisation, answered with evidence by its
  // respondent and submitted; the analysis changes.
  await page.goto(base + '/assurance/rounds/new');
  {
    const s175 = await page.$eval('#version_id', (select) => [...select.options].find((o) => /175/.test(o.text)).value);
    await page.locator('#version_id').selectOption(s175);
  }
  await page.getByLabel('Title').fill('s175 audit (browser test)');
  for (const [field, [day, month, year]] of [['opens_on', ['1', '12', '2026']], ['due_on', ['29', '1', '2027']]]) {
    await page.locator(`#${field}_day`).fill(day);
    await page.locator(`#${field}_month`).fill(month);
    await page.locator(`#${field}_year`).fill(year);
  }
  await page.getByLabel('The organisations I choose below').check();
  await page.getByLabel('Halton Schools and Colleges').check();
  await page.getByRole('button', { name: 'Open the round' }).click();
  await page.waitForURL(/\/assurance\/rounds\/\d+$/);
  const roundUrl = page.url();
  await check('returns dashboard');
  const returnPath = await page.$eval('a[href^="/assurance/returns/"]', (a) => a.getAttribute('href'));
  await page.goto(roundUrl + '/analysis');
  const analysisBefore = await page.textContent('main');
  await check('round analysis');
  await signOutAndIn('school.dsl@masa.example');
  await page.goto(base + returnPath);
  await check('a return to answer');
  await page.$$eval('input[type=radio][form="answers-1"][value="met"]', (radios) => radios.forEach((radio) => { radio.checked = true; }));
  await page.getByRole('button', { name: 'Save standard 1', exact: true }).click();
  await page.waitForLoadState();
  expect(!(await page.locator('.govuk-error-summary').isVisible()), `standard 1 saves: ${await page.textContent('main')}`);
  await page.locator('summary.govuk-details__summary', { hasText: 'Add evidence to' }).first().click();
  await page.getByLabel('What the evidence shows').first().fill('Safeguarding policy reviewed by governors in September');
  await page.getByRole('button', { name: /Add evidence/ }).first().click();
  await page.waitForLoadState();
  expect((await page.textContent('main')).includes('Safeguarding policy reviewed by governors in September'), 'the evidence is shown on the return');
  await page.getByRole('button', { name: 'Submit the return' }).click();
  await page.waitForLoadState();
  expect(!(await page.locator('.govuk-error-summary').isVisible()), `the return submits: ${await page.textContent('main')}`);
  await check('a submitted return');
  await signOutAndIn('admin@masa.example');
  await page.goto(roundUrl + '/analysis');
  expect((await page.textContent('main')) !== analysisBefore, 'the analysis changes when a return is submitted');

  // The demo's deep dive of the 2025 s175 round: its sample drawn with seed 2025 and fixed, as
  // moderation has begun. A sampled return the chair's home page asks them to moderate is
  // moderated by the chair and the business unit, marked moderated, and its feedback letter
  // sent and read back from its PDF.
  await page.goto(base + '/assurance/rounds/3/sample');
  expect((await page.textContent('#sample-seed')).trim() === '2025', 'the demo\'s sample shows its seed');
  await check('deep-dive sample');
  await signOutAndIn('chair@masa.example');
  const moderationPath = await page.$eval('[data-testid="work-waiting"] a[href$="/moderation"]', (a) => a.getAttribute('href'));
  async function moderate() {
    await page.goto(base + moderationPath);
    await page.$$eval('input[type=radio][name^="decision"]', (radios) => {
      const seen = new Set();
      for (const radio of radios) {
        if (!seen.has(radio.name)) { seen.add(radio.name); radio.checked = true; }
      }
    });
    await page.$$eval('textarea[name^="comment"]', (boxes) => boxes.forEach((box) => { box.value = 'Checked against the evidence by the panel.'; }));
    await page.getByRole('button', { name: 'Save your moderation' }).click();
    await page.waitForLoadState();
    expect(!(await page.locator('.govuk-error-message').first().isVisible().catch(() => false)), `the moderation saves: ${await page.textContent('main')}`);
  }
  await moderate();
  await check('moderation');
  await signOutAndIn('admin@masa.example');
  await moderate();
  await page.goto(base + moderationPath);
  await page.getByRole('button', { name: 'Mark moderated' }).click();
  await page.waitForLoadState();
  const letterPath = moderationPath.replace(/\/moderation$/, '/letter');
  await page.goto(base + letterPath);
  await check('feedback letter');
  const opening = (await page.getByLabel('Opening').inputValue()).split('\n')[0].slice(0, 40);
  await page.getByRole('button', { name: 'Send the letter' }).click();
  await page.waitForLoadState();
  {
    const pdf = await page.request.get(base + letterPath + '.pdf');
    const bytes = await pdf.body();
    expect(pdf.status() === 200 && bytes.subarray(0, 5).toString() === '%PDF-', `the letter downloads as a PDF (${pdf.status()})`);
    const { execFileSync } = await import('node:child_process');
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = `${mkdtempSync(`${tmpdir()}/masa-letter-`)}/letter.pdf`;
    writeFileSync(file, bytes);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text.includes(opening.replace(/\s+/g, ' ').trim().slice(0, 30)), `the letter's text reads back from the PDF: ${opening} / ${text.slice(0, 200)}`);
  }
  // One return for several partnerships: Halton's probation return answers Cheshire West's round.
  await signOutAndIn('admin@masa.example');
  await page.goto(base + '/assurance/rounds/4');
  await page.getByRole('link', { name: /Cheshire Probation Service/ }).first().click();
  await page.waitForURL(/\/assurance\/returns\/\d+$/);
  await check('an s11 return other partnerships ask for');
  await page.getByLabel(/Cheshire West and Chester Safeguarding Children Partnership/).check();
  await page.getByRole('button', { name: 'Share this return' }).click();
  await page.waitForURL(/\/assurance\/returns\/\d+/);
  expect((await page.textContent('body')).includes('Shared with Cheshire West and Chester'), 'the probation return is shared');
  await signOutAndIn('cheshire.west.admin@masa.example');
  await page.goto(base + '/assurance');
  await page.getByRole('link', { name: /s11 audit 2024/ }).first().click();
  await page.waitForURL(/\/assurance\/rounds\/\d+$/);
  await page.getByRole('link', { name: /Cheshire Probation Service/ }).first().click();
  await page.waitForURL(/\/assurance\/returns\/\d+$/);
  expect((await page.textContent('main')).includes('answers this audit once for several partnerships'), 'the other partnership reads the shared return');
  await check('a return answered in another partnership');
  // --- end assurance

  // --- the wide pages fit a phone
  await signOutAndIn('admin@masa.example');
  await page.setViewportSize({ width: 375, height: 800 });
  // The four the issue names, checked with axe at this width too…
  for (const path of ['/dataset', '/tracker', '/tracker/risks/heat-map', '/audit-trail']) {
    await page.goto(base + path);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(sideways <= 0, `${path} scrolls sideways by ${sideways} px at 375 px`);
    await check(`${path} at 375 px`);
  }
  // …and every other page of every area.
  for (const path of ['/admin', '/partnership', '/partnership/organisations', '/partnership/organisations/1',
    '/partnership/people', '/partnership/people/1', '/partnership/people/new', '/partnership/groups', '/partnership/groups/1',
    '/partnership/rotations', '/partnership/business-plans', '/partnership/business-plans/1', '/users', '/users/1',
    '/users/new', '/users/api-tokens', '/account', '/learning', '/learning/notifications', '/learning/notifications/1',
    '/learning/bank-holidays', '/learning/reviews', '/learning/reviews/1', '/learning/themes', '/learning/triage',
    '/learning/triage/1', '/dataset/indicators', '/dataset/indicators/new', '/dataset/indicators/1', '/dataset/periods', '/dataset/drops',
    '/dataset/drops/1', '/dataset/outbox', '/tracker/recommendations', '/tracker/recommendations/1', '/tracker/actions/1',
    '/tracker/actions/1/edit', '/tracker/risks', '/tracker/risks/1', '/tracker/risks/new', '/tracker/policies',
    '/tracker/policies/1', '/audit-trail/1', '/assurance', '/assurance/plan', '/assurance/rounds/3',
    '/assurance/rounds/3/analysis', '/assurance/rounds/3/sample', '/assurance/frameworks/1', '/assurance/case-audits',
    '/assurance/case-audits/1']) {
    await page.goto(base + path);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(sideways <= 0, `${path} scrolls sideways by ${sideways} px at 375 px`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  // Sign out through the navigation's button.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in/);
} catch (error) {
  failures.push(`the run stopped: ${error.stack || error}`);
} finally {
  await browser.close();
}

if (failures.length) {
  console.error(`\n${failures.length} browser check(s) failed:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(`browser test passed: ${checked} pages checked with axe-core`);
