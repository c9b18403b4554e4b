// The console's first page as Chromium loads it (bench/console): the
// navigation timing of the secrets list, median of several loads.
// usage: node load.mjs <url> <cookie name=value>
import { chromium } from "playwright-core";

const [url, cookie] = process.argv.slice(2);
const [name, value] = [cookie.slice(0, cookie.indexOf("=")), cookie.slice(cookie.indexOf("=") + 1)];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
const ctx = await browser.newContext();
await ctx.addCookies([{ name, value, url: `${url}/console` }]);
const page = await ctx.newPage();
const runs = [];
for (let i = 0; i < 11; i++) {
  await page.goto(`${url}/console/secrets`, { waitUntil: "load" });
  runs.push(await page.evaluate(() => {
    const n = performance.getEntriesByType("navigation")[0];
    return { domContentLoaded: n.domContentLoadedEventEnd - n.startTime, load: n.loadEventEnd - n.startTime };
  }));
}
await browser.close();
const median = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
console.log(JSON.stringify({ domContentLoaded: median("domContentLoaded"), load: median("load"), runs: runs.length }));
