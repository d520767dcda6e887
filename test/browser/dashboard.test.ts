// The dashboard in a real browser: Debian's Chromium, driven by playwright-core, against `wrangler dev`.
// Controls are found by their accessible names, as assistive technology finds them; accessibility is
// judged by axe-core, the downloaded PDF by poppler (pdfinfo).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, type DevServer } from "./server";

const CHROMIUM = "/usr/bin/chromium";
// CI installs Chromium (.ci/run) and sets REQUIRE_BROWSER, so there a missing browser fails; on a
// developer's machine without it the browser tests are skipped, saying why.
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.REQUIRE_BROWSER) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
if (!haveBrowser) console.warn(`Browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium).`);

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS ? "docs/screenshots" : mkdtempSync(join(tmpdir(), "dashboard-shots-"));
const PORT = Number(process.env.BROWSER_TEST_PORT ?? 8798);

const HEADER = "reference,to_name,to_street1,to_city,to_state,to_zip,from_name,from_street1,from_city,from_state,from_zip,weight_oz,length_in,width_in,height_in";
const CSV = [
  HEADER,
  "order-1001,Ada Lovelace,1 Main St,Springfield,IL,62701,Warehouse,500 Dock Rd,Reno,NV,89501,16,10,8,4",
  "order-1002,Grace Hopper,2 Elm St,Arlington,VA,2220,Warehouse,500 Dock Rd,Reno,NV,89501,40,12,10,6",
  "order-1003,Łukasz Żółć,3 Oak Ave,Chicago,IL,60601,Warehouse,500 Dock Rd,Reno,NV,89501,24,10,8,6",
].join("\n");

// The happy path's file: one row names its own service, the others take the batch's default.
const CSV_WITH_SERVICE = CSV.split("\n").map((line, i) => `${line},${i === 0 ? "service" : i === 3 ? "usps_priority" : ""}`).join("\n");

/** axe-core's serious and critical violations on the page as it is now. */
async function axeProblems(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') refuses inline scripts.
  await page.evaluate(AXE);
  // (The callbacks run in the page; this file is typed for Node, hence globalThis.)
  const violations = await page.evaluate(async () => {
    const g = globalThis as any;
    return (await g.axe.run(g.document, { resultTypes: ["violations"] })).violations;
  });
  return violations.filter((v: any) => v.impact === "serious" || v.impact === "critical")
    .map((v: any) => `${v.id} (${v.impact}): ${v.nodes.map((n: any) => n.target.join(" ")).join(", ")}`);
}

describe.skipIf(!haveBrowser)("the dashboard in Chromium", () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    server = await startDevServer(PORT);
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    // Anything bound elsewhere than this server is refused and recorded. A request a page route (the
    // cancel test's) already answered is left to it: continuing it again throws "already handled".
    await context.route("**/*", (route) => (route.request().url().startsWith(`${server.base}/`) ? route.continue() : route.abort())
      .catch((err: Error) => { if (!/already handled/.test(err.message)) throw err; }));
    page = await context.newPage();
    page.on("request", (r) => requests.push(r.url()));
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  });

  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  it("signs in, uploads a CSV with a bad row, fixes it, buys, watches the bar reach 100, downloads the labels", async () => {
    const response = await page.goto(`${server.base}/`);
    // A strict policy: this origin's own script and stylesheet, nothing inline, nothing elsewhere.
    expect(response!.headers()["content-security-policy"]).toContain("script-src 'self'");
    expect(response!.headers()["content-security-policy"]).toContain("default-src 'none'");
    await page.getByLabel("API key").waitFor();
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "sign-in.png") });

    // A wrong key is refused in words, next to the field.
    await page.getByLabel("API key").fill("sk_test_notarealkey123");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("unknown or has been revoked");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await page.getByLabel("API key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("test mode").waitFor();
    await page.getByText("$1,000.00").waitFor();
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual(["batch-labels.api-key"]);

    // New batch from a CSV file with one bad ZIP.
    await page.getByRole("link", { name: "New batch" }).click();
    await page.getByLabel("CSV file").waitFor();
    // A navigation moves the focus to the new page's heading, as a page load would.
    const focused = () => page.evaluate(() => { const el = (globalThis as any).document.activeElement; return `${el?.tagName} ${el?.textContent}`; });
    await expect.poll(focused).toBe("H1 New batch");
    await expect.poll(() => page.getByLabel("Default service (optional)").locator("option").count()).toBeGreaterThan(5);
    expect(await axeProblems(page)).toEqual([]);
    expect(await page.getByRole("link", { name: /CSV template/ }).getAttribute("href")).toBe("/shipments-template.csv");
    await page.getByLabel("CSV file").setInputFiles({ name: "shipments.csv", mimeType: "text/csv", buffer: Buffer.from(CSV_WITH_SERVICE) });
    await page.getByLabel("Reference (optional)").fill("browser-1");
    await page.getByLabel("Default service (optional)").selectOption("usps_ground_advantage");
    await page.screenshot({ path: join(SCREENSHOTS, "new-batch.png") });
    await page.getByRole("button", { name: "Create batch" }).click();

    await page.waitForURL(/#\/batches\/batch_/);
    const batchId = /#\/batches\/(batch_[^/]+)/.exec(page.url())![1];
    const status = page.locator(".progress-panel .status");
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe("Needs fixes");
    await expect.poll(focused).toBe("H1 browser-1");
    // Statuses, counts and services in words, not the API's identifiers.
    expect(await status.getAttribute("title")).toBe("invalid");
    expect(await page.locator(".counts").textContent()).toContain("Need fixes1");
    await expect.poll(() => page.locator("tr", { hasText: "order-1001" }).textContent()).toContain("USPS Ground Advantage");
    expect(await page.locator("tr", { hasText: "order-1003" }).textContent()).toContain("USPS Priority Mail");
    expect(await page.locator("table.shipments").textContent()).not.toMatch(/usps_|purchase_failed/);
    const badRow = page.locator("tr", { hasText: "order-1002" });
    await expect.poll(() => badRow.textContent()).toContain("To ZIP: Invalid ZIP code");

    // Fix it in place.
    await page.getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("To ZIP", { exact: true }).waitFor();
    expect(await page.getByLabel("To ZIP", { exact: true }).inputValue()).toBe("2220");
    expect(await page.getByLabel("To city", { exact: true }).inputValue()).toBe("Arlington");
    // The editor opens on the field that is wrong.
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.labels?.[0]?.textContent)).toBe("To ZIP");
    // The service is a list of the services the account can buy, by name.
    const serviceField = page.getByLabel("Service", { exact: true });
    expect(await serviceField.evaluate((el: any) => el.tagName)).toBe("SELECT");
    expect(await serviceField.locator("option").allTextContents()).toEqual(expect.arrayContaining(["USPS Priority Mail", "UPS Ground", "Cheapest service"]));
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "fix-shipment.png"), fullPage: true });
    await page.getByLabel("To ZIP", { exact: true }).fill("22201");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe("Ready to buy");
    await expect.poll(() => badRow.textContent()).not.toContain("Invalid ZIP code");

    // The total to be charged is the batch's own rate summary, shown against the balance.
    const ready: any = await (await fetch(`${server.base}/v1/batches/${batchId}`, { headers: { authorization: `Bearer ${server.key}` } })).json();
    const totalCents = ready.rate_summary.reduce((s: number, r: any) => s + Math.round(Number(r.amount) * 100), 0);
    const usd = (c: number) => new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(c / 100);
    const buy = page.locator("section.buy");
    await expect.poll(() => buy.textContent()).toContain(`total to be charged ${usd(totalCents)} against a balance of $1,000.00`);
    expect(await page.getByRole("progressbar", { name: "Purchase progress" }).getAttribute("aria-valuenow")).toBe("0");
    // With two services, the total is broken down by service, as the API's rate_summary has it.
    const byService = page.getByRole("list", { name: "By service" });
    for (const r of ready.rate_summary) {
      const name = { usps_ground_advantage: "USPS Ground Advantage", usps_priority: "USPS Priority Mail" }[r.service as string];
      expect(await byService.textContent()).toContain(`${name}: ${r.count} shipment${r.count === 1 ? "" : "s"}, ${usd(Math.round(Number(r.amount) * 100))}`);
    }
    expect(ready.rate_summary.map((r: any) => r.service).sort()).toEqual(["usps_ground_advantage", "usps_priority"]);

    // Buy, then watch: from here the page learns only through the stream.
    const seen = new Set<string>();
    const bar = page.getByRole("progressbar", { name: "Purchase progress" });
    // The purchase carries the total shown: the price guard buys nothing if the amount moved.
    const purchaseBody = page.waitForRequest((r) => r.url().endsWith(`/v1/batches/${batchId}/purchase`)).then((r) => r.postDataJSON());
    await page.getByRole("button", { name: "Buy labels" }).click();
    expect((await purchaseBody).expected_amount).toBe((totalCents / 100).toFixed(2));
    await expect.poll(async () => {
      seen.add((await bar.getAttribute("aria-valuenow"))!);
      return status.textContent();
    }, { timeout: 30_000, interval: 50 }).toBe("Completed");
    expect(await bar.getAttribute("aria-valuenow")).toBe("100");
    expect(seen.has("100")).toBe(true);
    expect(requests.some((u) => u.startsWith(`${server.base}/v1/batches/${batchId}/stream?expires=`))).toBe(true);
    // The balance in the header went down by exactly what was charged.
    await page.getByText(usd(100_000 - totalCents)).waitFor();

    // The merged file appears as a link; it downloads and poppler counts one page a label.
    const link = page.getByRole("link", { name: /labels/ }).first();
    await link.waitFor();
    // Signed links are used on the page's own origin (the signature covers the path only).
    expect(await link.getAttribute("href")).toMatch(/^\/v1\/batches\/batch_\w+\/labels\/1\?expires=\d+&signature=[0-9a-f]{64}$/);
    expect(await page.getByRole("link", { name: "Label of order-1002" }).getAttribute("href")).toMatch(/^\/v1\/batches\/.+\/label\?expires=/);
    // Then the parcels travel (at 100,000 times, a few seconds): the delivery bar fills from the stream.
    const deliveries = page.getByRole("progressbar", { name: "Deliveries" });
    await expect.poll(() => deliveries.getAttribute("aria-valuenow"), { timeout: 30_000 }).toBe("100");
    expect(await page.locator(".deliveries").textContent()).toContain("100% of 3 tracked parcels delivered");
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "batch-completed.png"), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    const file = join(mkdtempSync(join(tmpdir(), "dashboard-dl-")), download.suggestedFilename());
    await download.saveAs(file);
    expect(download.suggestedFilename()).toMatch(/-1\.pdf$/);
    const info = execFileSync("pdfinfo", [file], { encoding: "utf8" });
    expect(/Pages:\s+(\d+)/.exec(info)?.[1]).toBe("3");
    // The set's words agree with its links, and Download all gives them as one ZIP that unzip accepts.
    expect(await page.locator(".label-set .hint").first().textContent()).toMatch(/^1 file, 3 labels/);
    const zipLink = page.getByRole("link", { name: /Download all of the PDF 4×6 set as one ZIP \(1 file\)/ });
    expect(await zipLink.getAttribute("href")).toMatch(/^\/v1\/batches\/batch_\w+\/label_sets\/ls_\w+\/archive\?expires=\d+&signature=[0-9a-f]{64}$/);
    const [zipDownload] = await Promise.all([page.waitForEvent("download"), zipLink.click()]);
    const zipFile = join(mkdtempSync(join(tmpdir(), "dashboard-zip-")), zipDownload.suggestedFilename());
    await zipDownload.saveAs(zipFile);
    expect(zipDownload.suggestedFilename()).toMatch(/\.zip$/);
    const tested = execFileSync("unzip", ["-t", zipFile], { encoding: "utf8" });
    expect(tested).toMatch(/No errors detected/);
    expect(execFileSync("unzip", ["-Z1", zipFile], { encoding: "utf8" }).trim().split("\n")).toEqual(["browser-1-pdf-4x6/labels-00001-00003.pdf"]);
    expect(await axeProblems(page)).toEqual([]);

    // On a phone-sized screen the tables scroll inside the page.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.locator(".table-wrap").evaluate((el: any) => el.scrollWidth > el.clientWidth)).toBe(true);
    expect(await axeProblems(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });

    // The shipments table filters by status.
    await page.getByLabel("Shipment status").selectOption("purchased");
    await expect.poll(() => page.locator("table.shipments tbody tr").count()).toBe(3);
    await page.getByLabel("Shipment status").selectOption("invalid");
    await page.getByText("No shipments in “Needs fixes”.").waitFor();
    await page.getByLabel("Shipment status").selectOption("");
  });

  it("cancels a batch before purchase, after asking", async () => {
    const res = await fetch(`${server.base}/v1/batches`, {
      method: "POST", headers: { authorization: `Bearer ${server.key}`, "content-type": "application/json" },
      body: JSON.stringify({ reference: "to-cancel", default_service: "usps_priority", shipments: [{
        to_address: { name: "Ada", street1: "1 Main St", city: "Springfield", state: "IL", zip: "62701" },
        from_address: { name: "W", street1: "500 Dock Rd", city: "Reno", state: "NV", zip: "89501" },
        parcel: { weight_oz: 16, length_in: 10, width_in: 8, height_in: 4 },
      }] }),
    });
    const { id } = (await res.json()) as { id: string };
    await page.goto(`${server.base}/#/batches/${id}`);
    const status = page.locator(".progress-panel .status");
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe("Ready to buy");
    // A read whose summary does not (yet) cover the valid shipments offers no total and no Buy: never "$0.00".
    const buyButton = page.getByRole("button", { name: "Buy labels" });
    expect(await buyButton.isDisabled()).toBe(false);
    await page.route(new RegExp(`/v1/batches/${id}\\?`), async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      await route.fulfill({ response: res, json: { ...body, rate_summary: [] } });
    });
    // (The stream would bring the whole summary at once: held back for this look.)
    await page.route(/\/stream\?/, (route) => route.fulfill({ status: 401, contentType: "application/json", body: '{"error":{"code":"unauthorized","message":"held back by the test"}}' }));
    await page.reload();
    await page.getByText("Working out the total to be charged…").waitFor();
    expect(await buyButton.isDisabled()).toBe(true);
    expect(await page.locator("section.buy").textContent()).not.toContain("$0.00");
    await page.unroute(new RegExp(`/v1/batches/${id}\\?`));
    await page.unroute(/\/stream\?/);
    await page.reload();
    await expect.poll(() => buyButton.isDisabled()).toBe(false);
    await page.getByRole("button", { name: "Cancel batch" }).click();
    await page.getByRole("button", { name: "Keep batch" }).click();
    expect(await status.textContent()).toBe("Ready to buy");
    await page.getByRole("button", { name: "Cancel batch" }).click();
    await page.getByRole("button", { name: "Confirm cancel" }).click();
    await expect.poll(() => status.textContent()).toBe("Cancelled");
    expect(await page.getByRole("button", { name: "Buy labels" }).count()).toBe(0);
  });

  it("lists batches newest first, a page of 25 at a time, with a status filter and a reference search, and signs out", async () => {
    // 26 more (empty) batches: with the two above, 28 in all, two pages of 25.
    for (let i = 1; i <= 26; i++) {
      const res = await fetch(`${server.base}/v1/batches`, {
        method: "POST", headers: { authorization: `Bearer ${server.key}`, "content-type": "application/json" }, body: JSON.stringify({ reference: `bulk-${i}` }),
      });
      expect(res.status).toBe(202);
    }
    await page.getByRole("link", { name: "Batches", exact: true }).click();
    const rows = page.locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(25);
    expect(await rows.first().textContent()).toContain("bulk-26");
    await page.getByText("Page 1 of 2 (28 in all)").waitFor();
    await page.getByRole("button", { name: "Next page" }).click();
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.last().textContent()).toContain("browser-1");
    expect(await rows.last().textContent()).toContain("Completed");
    await page.getByRole("button", { name: "Previous page" }).click();
    await expect.poll(() => rows.count()).toBe(25);
    await page.getByLabel("Status").selectOption("completed");
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel("Status").selectOption("");
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "batches.png") });

    await page.getByLabel("Status").selectOption("invalid");
    await page.getByText("No batch matches.").waitFor();
    await page.getByLabel("Status").selectOption("");
    await page.getByLabel("Search by reference").fill("no-such-reference");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("No batch matches.").waitFor();
    await page.getByLabel("Search by reference").fill("browser-1");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain("browser-1");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it("says what is wrong in words, removes and skips invalid shipments, warns of a short balance, makes sets and a scan form, voids", async () => {
    const key = server.newKey("10.00");
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("$10.00").waitFor();

    // A file with a column we do not know: the API's message, next to the file input; no batch made.
    // This file arrives by drag and drop.
    await page.getByRole("link", { name: "New batch" }).click();
    const dropped = await page.evaluateHandle((text) => {
      const dt = new (globalThis as any).DataTransfer();
      dt.items.add(new File([text], "bad.csv", { type: "text/csv" }));
      return dt;
    }, `${HEADER},gift_wrap\n${CSV.split("\n")[1]},yes`);
    await page.locator(".dropzone").dispatchEvent("drop", { dataTransfer: dropped });
    await page.getByText("Chosen: bad.csv").waitFor();
    expect(await page.getByLabel("CSV file").evaluate((el: any) => el.files?.[0]?.name)).toBe("bad.csv");
    await page.getByRole("button", { name: "Create batch" }).click();
    const fileProblem = page.locator("#csv-file-problem");
    await expect.poll(() => fileProblem.textContent()).toContain("Unknown columns: gift_wrap.");
    expect(await page.getByLabel("CSV file").getAttribute("aria-invalid")).toBe("true");

    // Two bad rows: one removed, one skipped. The two good ones cost more than the balance.
    const rows = CSV.split("\n");
    const csv = [...rows, rows[2].replace("order-1002", "order-1004").replace(",VA,2220,", ",VA,999,")].join("\n");
    await page.getByLabel("CSV file").setInputFiles({ name: "shipments.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByLabel("Reference (optional)").fill("short-balance");
    await page.getByLabel("Default service (optional)").selectOption("usps_ground_advantage");
    await page.getByRole("button", { name: "Create batch" }).click();
    await page.waitForURL(/#\/batches\/batch_/);
    const status = page.locator(".progress-panel .status");
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe("Needs fixes");
    await expect.poll(() => page.locator("section.buy").textContent()).toContain("The balance does not cover this total");

    await page.getByRole("button", { name: "Buy labels" }).click();
    await expect.poll(() => page.locator("section.buy").getByRole("alert").textContent()).toContain("2 shipments are invalid");
    await page.locator("tr", { hasText: "order-1004" }).getByRole("button", { name: "Remove" }).click();
    await expect.poll(() => page.locator("tr", { hasText: "order-1004" }).count()).toBe(0);
    await expect.poll(() => page.locator(".counts").textContent()).toContain("Shipments3");
    expect(await status.textContent()).toBe("Needs fixes");
    expect(await axeProblems(page)).toEqual([]);

    // A reload keeps the tab signed in. Its first stream is refused (as an expired link is): the page
    // asks for a new token and goes on live.
    let refused = 0;
    await page.route(/\/stream\?expires=/, (route) => (refused++ === 0
      ? route.fulfill({ status: 401, contentType: "application/json", body: '{"error":{"code":"unauthorized","message":"This link is invalid or has expired."}}' })
      : route.fallback()));
    const tokensBefore = requests.filter((u) => u.endsWith("/stream_token")).length;
    await page.reload();
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe("Needs fixes");
    await expect.poll(() => refused, { timeout: 10_000 }).toBe(2);
    expect(requests.filter((u) => u.endsWith("/stream_token")).length - tokensBefore).toBe(2);

    await page.getByLabel(/Skip invalid shipments/).check();
    await page.getByRole("button", { name: "Buy labels" }).click();
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe("Completed");
    // One label fitted in the balance; the other says why it failed.
    await expect.poll(() => page.locator("tr", { hasText: "Insufficient prepay balance" }).count()).toBe(1);
    const bought = page.locator("tr", { has: page.locator(".status-purchased") });
    expect(await bought.count()).toBe(1);
    expect(await page.getByRole("progressbar", { name: "Purchase progress" }).getAttribute("aria-valuenow")).toBe("100");

    // More sets and a scan form, written after the batch is final: they appear without a reload.
    await page.getByRole("button", { name: "Make a ZPL set" }).click();
    const zpl = page.getByRole("link", { name: /labels 1–1 \(ZPL/ });
    await zpl.waitFor({ timeout: 20_000 });
    const zplText = await (await fetch(new URL((await zpl.getAttribute("href"))!, server.base))).text();
    expect(zplText.startsWith("^XA")).toBe(true);
    await page.getByRole("button", { name: "Make a letter set" }).click();
    await page.getByRole("link", { name: /labels 1–1 \(PDF, letter/ }).waitFor({ timeout: 20_000 });
    await page.getByRole("button", { name: "Make scan form" }).click();
    const form = page.getByRole("link", { name: "Download SCAN form (USPS, 1 shipment)" });
    await form.waitFor({ timeout: 20_000 });
    const formPdf = Buffer.from(await (await fetch(new URL((await form.getAttribute("href"))!, server.base))).arrayBuffer());
    expect(formPdf.subarray(0, 5).toString()).toBe("%PDF-");

    // Void the bought label: its amount returns to the balance; the sets holding it are stale.
    await bought.getByRole("button", { name: "Void" }).click();
    await page.getByRole("button", { name: "Confirm void" }).click();
    await expect.poll(() => page.locator(".status-voided").count()).toBe(1);
    await page.getByText("$10.00").waitFor();
    await expect.poll(() => page.locator("#files-heading + div").textContent()).toContain("stale");
    expect(await axeProblems(page)).toEqual([]);
    await page.getByRole("button", { name: "Sign out" }).click();
  });

  it("edits an international shipment's customs in place: a missing HS number fixed, an item added, then ready", async () => {
    const res = await fetch(`${server.base}/v1/batches`, {
      method: "POST", headers: { authorization: `Bearer ${server.key}`, "content-type": "application/json" },
      body: JSON.stringify({ reference: "abroad-1", shipments: [{
        reference: "to-berlin", service: "usps_priority_international",
        to_address: { name: "Jürgen Weiß", street1: "Unter den Linden 77", city: "Berlin", zip: "10117", country: "DE" },
        from_address: { name: "W", street1: "500 Dock Rd", city: "Reno", state: "NV", zip: "89501" },
        parcel: { weight_oz: 40, length_in: 10, width_in: 8, height_in: 4 },
        customs: { contents_type: "merchandise", signer: "Grace Hopper", items: [{ description: "Cotton T-shirt", quantity: 2, value: "30.00", weight_oz: 12, origin_country: "US" }] },
      }] }),
    });
    const { id } = (await res.json()) as { id: string };
    // (The list test signed out.)
    await page.goto(`${server.base}/`);
    if (await page.getByLabel("API key").isVisible()) {
      await page.getByLabel("API key").fill(server.key);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("test mode").waitFor();
    }
    await page.goto(`${server.base}/#/batches/${id}`);
    const status = page.locator(".progress-panel .status");
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe("Needs fixes");
    const row = page.locator("tr", { hasText: "to-berlin" });
    await expect.poll(() => row.textContent()).toContain("Item 1 HS number: Required (6 to 10 digits), except for documents");
    await page.getByRole("button", { name: "Edit" }).click();
    const hs = page.getByLabel("Item 1 HS number", { exact: true });
    await hs.waitFor();
    // The editor opens on the field that is wrong, with the error beside it.
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.labels?.[0]?.textContent)).toBe("Item 1 HS number");
    expect(await page.getByLabel("Signer", { exact: true }).inputValue()).toBe("Grace Hopper");
    expect(await page.getByLabel("Contents", { exact: true }).inputValue()).toBe("merchandise");
    await hs.fill("6109.10");
    await page.getByRole("button", { name: "Add an item" }).click();
    await page.getByLabel("Item 2 description", { exact: true }).fill("Ceramic mug");
    await page.getByLabel("Item 2 quantity", { exact: true }).fill("1");
    await page.getByLabel("Item 2 value (USD)", { exact: true }).fill("12.50");
    await page.getByLabel("Item 2 weight (oz)", { exact: true }).fill("10");
    await page.getByLabel("Item 2 HS number", { exact: true }).fill("6912.00");
    await page.getByLabel("Item 2 made in", { exact: true }).fill("PT");
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "edit-customs.png"), fullPage: true });
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe("Ready to buy");
    const saved: any = await (await fetch(`${server.base}/v1/batches/${id}`, { headers: { authorization: `Bearer ${server.key}` } })).json();
    expect(saved.shipments.data[0].customs.items).toEqual([
      { description: "Cotton T-shirt", quantity: 2, value: "30.00", weight_oz: 12, hs_tariff_number: "6109.10", origin_country: "US" },
      { description: "Ceramic mug", quantity: 1, value: "12.50", weight_oz: 10, hs_tariff_number: "6912.00", origin_country: "PT" },
    ]);
    // Bought, its customs documents are listed beside its labels.
    await expect.poll(() => page.getByRole("button", { name: "Buy labels" }).isDisabled()).toBe(false);
    await page.getByRole("button", { name: "Buy labels" }).click();
    const customsLink = page.getByRole("link", { name: "Download customs documents 1–1" });
    await customsLink.waitFor({ timeout: 20_000 });
    const download = await fetch(new URL((await customsLink.getAttribute("href"))!, server.base));
    expect([download.status, download.headers.get("content-type")]).toEqual([200, "application/pdf"]);
  });

  it("sent nothing beyond 127.0.0.1 and raised no script error", () => {
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((u) => !u.startsWith(`${server.base}/`))).toEqual([]);
    expect(pageErrors).toEqual([]);
    // The browser's own lines about the answers the tests provoked: the wrong key's 401, the bad file's
    // 400, and the refused stream's 401.
    const provoked = /status of (400|401)|EventSource/;
    expect(consoleErrors.filter((e) => !provoked.test(e))).toEqual([]);
    expect(consoleErrors.filter((e) => /status of 400/.test(e))).toHaveLength(1);
  });
});

if (process.env.DASHBOARD_SCREENSHOTS) mkdirSync("docs/screenshots", { recursive: true });
