// The web console end to end, in headless Chromium (Debian's, driven by
// playwright-core), against a real `rekey serve` that
// crates/rekey/tests/console.rs started and filled. Every step asserts
// what a user would see; every page is saved as a screenshot in $SHOTS.
// Prints a JSON report of what it observed for the Rust side to check.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const URL = env("REKEY_URL");
const SHOTS = env("SHOTS");
const admin = { key: env("ADMIN_KEY"), secret: env("ADMIN_SECRET") };
const viewer = { key: env("VIEWER_KEY"), secret: env("VIEWER_SECRET") };
const TARGET = env("TARGET"); // a secret among many
const TARGET_VALUE = env("TARGET_VALUE");
const SLOW = env("SLOW"); // rotates through a slow function
const FAILING = env("FAILING"); // its function fails
const BAD_RULE = env("BAD_RULE");
const BAD_RULE_ERROR = env("BAD_RULE_ERROR"); // the API's own message for it
const BAD_SIGNIN_ERROR = env("BAD_SIGNIN_ERROR");
const SIGN_IN_LINK = env("SIGN_IN_LINK");
mkdirSync(SHOTS, { recursive: true });

const report = { shots: [], headers: {} };
function includes(actual, expected, what) {
  assert.ok(String(actual).includes(expected), `${what}: expected ${JSON.stringify(expected)} in ${JSON.stringify(actual)}`);
}
let shotNo = 0;
async function shot(page, name) {
  const file = `${SHOTS}/${String(++shotNo).padStart(2, "0")}-${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  report.shots.push(file);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.on("dialog", (d) => d.accept());
  const errors = [];
  // Pages answered with 4xx (refusals) log "Failed to load resource";
  // anything else (a script error, a CSP violation) is a failure.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));

  // --- Sign in -------------------------------------------------------
  await page.goto(`${URL}/console/`);
  assert.match(page.url(), /\/console\/signin$/, "an unknown browser is sent to sign in");
  await shot(page, "sign-in");
  await page.fill("#access_key_id", admin.key);
  await page.fill("#secret_access_key", "not-the-secret");
  await page.click("button[type=submit]");
  includes(await page.textContent("[role=alert]"), BAD_SIGNIN_ERROR, "a wrong secret gets the API's error");
  await shot(page, "sign-in-refused");
  await page.fill("#secret_access_key", admin.secret);
  await Promise.all([page.waitForURL("**/console/secrets"), page.click("button[type=submit]")]);
  const cookies = await ctx.cookies();
  const session = cookies.find((c) => c.name === "rekey_console");
  assert.ok(session, "a session cookie");
  report.cookie = { httpOnly: session.httpOnly, sameSite: session.sameSite, path: session.path };

  // --- Keyboard: the first Tab reaches "Skip to content", which moves
  // focus to the page's content.
  await page.keyboard.press("Tab");
  report.firstTab = await page.evaluate(() => document.activeElement.textContent.trim());
  await page.keyboard.press("Enter");
  report.afterSkip = await page.evaluate(() => document.activeElement.id);

  // --- The list, and finding one secret among many ------------------
  assert.equal(await page.locator("tbody tr").count(), 25, "a first page of 25");
  await shot(page, "secrets");
  await page.click("a[rel=next]");
  assert.equal(await page.locator("tbody tr").count(), 25, "a second page");
  await page.fill("#name", TARGET.split("/")[0] + "/");
  await page.click("form[role=search] button[type=submit]");
  const rows = page.locator("tbody tr");
  assert.equal(await rows.count(), 1, "the name filter finds the one secret");
  assert.equal((await rows.first().locator("a").first().textContent()).trim(), TARGET);
  await shot(page, "secrets-search");
  await page.click(`tbody a:text-is("${TARGET}")`);
  await page.waitForSelector("h1");
  assert.equal((await page.textContent("h1")).trim(), TARGET);
  includes(await page.textContent("section[aria-labelledby=tags]"), "payments-team", "tags shown");
  await shot(page, "secret-overview");

  // --- Versions: reveal, put, roll back ------------------------------
  await page.click("text=Versions and value");
  await page.waitForSelector("svg.labels");
  await shot(page, "secret-versions");
  const [reveal] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/console/secret/reveal")),
    page.locator("tbody tr").first().locator("button:has-text('Reveal')").click(),
  ]);
  report.headers.reveal = await reveal.allHeaders();
  assert.equal((await page.textContent("#secret-value")).trim(), TARGET_VALUE, "the revealed value");
  await shot(page, "secret-revealed");
  await page.fill("#secret-string", "from-the-console");
  await page.click("section[aria-labelledby=put] button[type=submit]");
  assert.match(await page.textContent("[role=status]"), /it is AWSCURRENT/);
  assert.equal(await page.locator("#secret-value").count(), 0, "a value is not shown again unasked");
  await page.locator("button:has-text('Make current')").first().click();
  await page.waitForSelector("text=AWSCURRENT is now on version");
  await shot(page, "secret-rolled-back");
  report.labelMoves = await page.locator("section[aria-labelledby=moves] tbody tr").count();
  report.movesPicture = await page.locator("section[aria-labelledby=moves] svg.moves").count();

  // --- Rotation: a wrong rule gets the API's error; a right one rotates
  await page.goto(`${URL}/console/secret/rotation?id=${encodeURIComponent(SLOW)}`);
  await page.fill("#function", env("SLOW_FUNCTION"));
  await page.fill("#days", "");
  await page.fill("#expression", BAD_RULE);
  await page.waitForFunction(
    (msg) => document.querySelector("#preview")?.textContent.includes(msg), BAD_RULE_ERROR);
  await shot(page, "rotation-preview-error");
  await page.click("button:has-text('Save rotation')");
  includes(await page.textContent("[role=alert]"), BAD_RULE_ERROR, "the API's own error text");
  assert.equal(await page.inputValue("#expression"), BAD_RULE, "the form keeps what was typed");
  await shot(page, "rotation-refused");
  await page.fill("#expression", "rate(10 days)");
  await page.waitForFunction(() => document.querySelectorAll("#preview li").length === 5);
  report.previewWindows = await page.locator("#preview li").allTextContents();
  await page.check("input[name=immediately]");
  await page.click("button:has-text('Save rotation')");
  await page.waitForSelector("text=Rotation saved.");
  // The timeline updates itself while the slow function runs.
  await page.waitForSelector("#timeline [data-running]", { timeout: 10000 });
  report.sawRunning = true;
  await shot(page, "rotation-running");
  await page.waitForSelector("#timeline .job .badge.ok", { timeout: 60000 });
  // Once it settles, the facts above the timeline are read again.
  await page.waitForSelector("#timeline[data-settled]");
  await page.waitForFunction(() => /Last rotated\s*20\d\d-/.test(document.querySelector("#facts").textContent));
  report.stepsShown = await page.locator("#timeline .job").first().locator("ol.timeline > li").count();
  await shot(page, "rotation-done");
  // Rotate now, and the timeline completes again without a reload.
  await page.click("button:has-text('Rotate now')");
  await page.waitForSelector("text=Rotation started.");
  await page.waitForFunction(() => document.querySelectorAll("#timeline .job .badge.ok").length === 2, null, { timeout: 60000 });
  report.jobsAfterRotateNow = await page.locator("#timeline .job").count();

  // --- A failed rotation: its error and the function's log -----------
  await page.goto(`${URL}/console/secret/rotation?id=${encodeURIComponent(FAILING)}`);
  await page.click("button:has-text('Rotate now')");
  await page.waitForSelector("#timeline .job .badge.bad", { timeout: 60000 });
  await shot(page, "rotation-failed-closed");
  await page.locator("#timeline li.bad details.log summary").first().click();
  const log = await page.textContent("#timeline li.bad details.log[open] pre");
  assert.match(log, /\[stderr\].*RuntimeError: injected failure in setSecret/s, "the failed step's function log");
  const failed = await page.textContent("#timeline");
  assert.match(failed, /Error when executing lambda/, "the error");
  await shot(page, "rotation-failed");

  // --- Schedule ------------------------------------------------------
  await page.goto(`${URL}/console/schedule`);
  await page.waitForSelector(".calendar");
  report.calendarDays = await page.locator(".calendar > li.day").count();
  report.slowWindows = await page.locator(`.calendar a:text-is("${SLOW}")`).count();
  await shot(page, "schedule");

  // --- Audit: the reveal is there, as the session's -----------------
  await page.goto(`${URL}/console/audit?resource=${encodeURIComponent(TARGET)}&event=GetSecretValue`);
  const audit = page.locator("tbody tr");
  assert.ok((await audit.count()) >= 1, "the reveal is in the trail");
  report.revealRecordKey = (await audit.first().locator("td").nth(4).textContent()).trim();
  report.sessionKey = JSON.parse(Buffer.from(session.value, "base64url").toString()).k;
  await shot(page, "audit");

  // --- Admin ---------------------------------------------------------
  await page.goto(`${URL}/console/admin`);
  await shot(page, "admin");
  await page.click("a.mono");
  await page.waitForSelector("text=Users");
  await shot(page, "admin-account");
  await page.click("a:text-is('viewer')");
  await page.waitForSelector("text=Identity policies");
  await shot(page, "admin-user");

  // --- Accessibility: axe-core's WCAG 2 A/AA rules on every kind of page.
  // (Its script is injected, so this context alone lets in what the CSP
  // keeps out; every other page of the test runs under the CSP.)
  const a11yCtx = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  await a11yCtx.addCookies(await ctx.cookies());
  const a11y = await a11yCtx.newPage();
  report.a11y = {};
  for (const path of [
    "/console/secrets",
    `/console/secret?id=${encodeURIComponent(TARGET)}`,
    `/console/secret/versions?id=${encodeURIComponent(TARGET)}`,
    `/console/secret/rotation?id=${encodeURIComponent(FAILING)}`,
    "/console/schedule",
    "/console/audit",
    "/console/admin",
    "/console/admin/account",
    "/console/signin",
  ]) {
    await a11y.goto(`${URL}${path}`);
    await a11y.addScriptTag({ path: axePath });
    const found = await a11y.evaluate(async () => {
      const r = await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] });
      return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.length} × ${v.nodes[0].target.join(" ")}`);
    });
    report.a11y[path] = found;
  }
  await a11yCtx.close();

  // --- Sign out: the cookie is gone, and a copy of it is worth nothing
  await page.click("header button:has-text('Sign out')");
  await page.waitForURL("**/console/signin?**");
  assert.equal((await ctx.cookies()).filter((c) => c.name === "rekey_console").length, 0);
  report.stolenAfterSignOut = (await fetch(`${URL}/console/secrets`, {
    headers: { cookie: `rekey_console=${session.value}` }, redirect: "manual",
  })).status;
  await shot(page, "signed-out");

  // --- A user who may only list: refused everywhere else -------------
  await page.goto(`${URL}/console/signin`);
  await page.fill("#access_key_id", viewer.key);
  await page.fill("#secret_access_key", viewer.secret);
  await Promise.all([page.waitForURL("**/console/secrets"), page.click("button[type=submit]")]);
  report.viewerListed = await page.locator("tbody tr").count();
  const refusals = {};
  for (const [name, path] of [
    ["overview", `/console/secret?id=${encodeURIComponent(TARGET)}`],
    ["versions", `/console/secret/versions?id=${encodeURIComponent(TARGET)}`],
    ["rotation", `/console/secret/rotation?id=${encodeURIComponent(TARGET)}`],
    ["audit", `/console/audit`],
    ["admin", `/console/admin`],
    ["preview", `/console/preview?id=${encodeURIComponent(TARGET)}&days=3`],
    ["live", `/console/secret/rotation/live?id=${encodeURIComponent(SLOW)}`],
  ]) {
    const r = await page.goto(`${URL}${path}`);
    refusals[name] = { status: r.status(), text: (await page.textContent("body")).slice(0, 400) };
    if (["overview", "audit", "admin"].includes(name)) await shot(page, `viewer-${name}`);
  }
  // Actions, with the viewer's own valid CSRF token: the API refuses.
  await page.goto(`${URL}/console/secrets`);
  const csrf = await page.getAttribute("input[name=csrf]", "value");
  for (const [name, path, form] of [
    ["reveal", "/console/secret/reveal", { id: TARGET, version: "x" }],
    ["put", "/console/secret/value", { id: TARGET, value: "stolen" }],
    ["rollback", "/console/secret/rollback", { id: TARGET, version: "x", current: "y" }],
    ["rotate", "/console/secret/rotate", { id: TARGET }],
    ["cancel", "/console/secret/cancel", { id: TARGET }],
    ["configure", "/console/secret/rotation", { id: TARGET, function: "builtin:password", days: "3" }],
  ]) {
    const r = await page.request.post(`${URL}${path}`, { form: { csrf, ...form }, headers: { origin: URL } });
    refusals[name] = { status: r.status(), text: (await r.text()).replace(/<[^>]+>/g, " ").slice(0, 600) };
  }
  report.viewerRefusals = refusals;

  // --- A one-time sign-in link: works once ---------------------------
  const linkCtx = await browser.newContext();
  const linkPage = await linkCtx.newPage();
  await linkPage.goto(SIGN_IN_LINK);
  await shot(linkPage, "sign-in-link");
  await Promise.all([linkPage.waitForURL("**/console/secrets"), linkPage.click("button[type=submit]")]);
  report.linkSignedIn = (await linkPage.textContent("h1")).trim();
  const again = await browser.newContext();
  const againPage = await again.newPage();
  await againPage.goto(SIGN_IN_LINK);
  await againPage.click("button[type=submit]");
  report.linkAgain = (await againPage.textContent("main")).trim();
  await shot(againPage, "sign-in-link-used");

  report.browserErrors = errors;
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
