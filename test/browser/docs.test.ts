// /docs in a real browser (Debian's Chromium): the API reference renders from this server alone. Every
// request the page makes is recorded and any to another host fails the test (and is aborted, so
// nothing leaves the machine); the page's own CSP must not have to refuse anything either.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, type DevServer } from "./server";

const CHROMIUM = "/usr/bin/chromium";
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.REQUIRE_BROWSER) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
const PORT = Number(process.env.DOCS_TEST_PORT ?? 8795);

describe.skipIf(!haveBrowser)("/docs in Chromium", () => {
  let server: DevServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startDevServer(PORT);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  });
  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  it("loads nothing from outside, breaks no rule of its CSP, and shows no hosted-only menus", async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    const seen: string[] = [];
    const problems: string[] = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      seen.push(url);
      if (!url.startsWith(server.base) && !url.startsWith("data:") && !url.startsWith("blob:")) {
        outside.push(url);
        return route.abort();
      }
      return route.continue();
    });
    page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
    page.on("pageerror", (e) => problems.push(e.message));
    const res = await page.goto(`${server.base}/docs`);
    expect(res!.headers()["content-security-policy"]).toMatch(/script-src 'self'(;|$)/);
    await page.getByText("Create a batch").first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1500);
    expect(outside).toEqual([]);
    expect(seen.some((u) => u.endsWith("/openapi.json"))).toBe(true);
    expect(problems).toEqual([]);
    const text = await page.evaluate(() => (globalThis as any).document.body.innerText as string);
    for (const hosted of ["Ask AI", "Deploy", "Share your API"]) expect(text).not.toContain(hosted);
    await page.close();
  });
});
