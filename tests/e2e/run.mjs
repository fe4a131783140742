// Browser end-to-end tests: headless Chromium loads the built, unpacked extension
// (dist/chrome) and reaches both stand-ins under the real host names over TLS.
// Outcomes are asserted on the stand-ins' own state, through their admin APIs.
// Run through `cargo xtask test`, which starts the stand-ins and passes their ports in E2E_*.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run these tests through \`cargo xtask test\``);
  return v;
};
const require = createRequire(path.join(env("E2E_NODE_MODULES"), "x.js"));
const { chromium } = require("playwright-core");

const EXT = env("E2E_EXTENSION_DIR");
const EXT_ID = env("E2E_EXTENSION_ID");
const GHL_ADMIN = env("E2E_GHL_ADMIN");
const FITR_ADMIN = env("E2E_FITR_ADMIN");
const APP_URL = env("E2E_APP_URL");
const SANDBOX_URL = env("E2E_SANDBOX_URL");
const ARTIFACTS = env("E2E_ARTIFACTS");
const FITR = "https://app.fitr.training";
const LOCATION = "sandboxLocation00001";
const TOKEN = "pit-sandbox-demo-0000-000000000001";

// --- the stand-ins' admin APIs ------------------------------------------------------------
async function admin(base, method, route, body) {
  const res = await fetch(base + route, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} → ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}
const ghlContacts = async () =>
  (await admin(GHL_ADMIN, "GET", "/_admin/state")).locations?.[LOCATION]?.contacts ?? [];
const fitrClients = async () => {
  const v = await admin(FITR_ADMIN, "GET", "/_admin/clients");
  return Array.isArray(v) ? v : v.clients;
};

// The product's stated slug rule, written again independently here.
const slug = (s) =>
  s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
const TABS = { "Active": "active", "Needs Training": "active", "Pending": "pending" };
const tabOf = (c) => TABS[c.status] ?? "past";

// --- a tiny runner ------------------------------------------------------------------------
const results = [];
async function test(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ok    ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`  FAIL  ${name}\n${String(err.stack || err).replace(/^/gm, "        ")}`);
    for (const [i, p] of context.pages().entries()) {
      await p.screenshot({ path: path.join(ARTIFACTS, `${slug(name)}-${i}.png`) }).catch(() => {});
    }
  }
}

// --- the browser --------------------------------------------------------------------------
const profile = mkdtempSync(path.join(tmpdir(), "fitr-ghl-e2e-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: env("E2E_CHROMIUM"),
  headless: true,
  ignoreHTTPSErrors: true,
  viewport: { width: 1280, height: 900 },
  args: [
    `--disable-extensions-except=${EXT}`,
    `--load-extension=${EXT}`,
    `--host-resolver-rules=${env("E2E_RESOLVER_RULES")}`,
    "--ignore-certificate-errors",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
  ],
});
const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker", { timeout: 20000 }));
assert.ok(worker.url().startsWith(`chrome-extension://${EXT_ID}/`), `worker at ${worker.url()}`);
const page = context.pages()[0] ?? (await context.newPage());

async function saveOptions({ sandbox }) {
  const options = await context.newPage();
  await options.goto(`chrome-extension://${EXT_ID}/options.html`);
  await options.locator("#token").fill(TOKEN);
  await options.locator("#location").fill(LOCATION);
  if (sandbox) {
    await options.locator("#target-sandbox").check();
    await options.locator("#sandbox-url").fill(SANDBOX_URL);
  } else {
    await options.locator("#target-live").check();
  }
  await options.locator("#save").click();
  return options;
}

/// Open the client list through FITR's own pushState links and bring `client`'s row into view.
async function showRow(client) {
  await page.goto(`${FITR}/coach/programs`);
  await page.evaluate(() => (window.__noReload = true));
  await page.locator('a[data-gtm-id="nav-clients"]').click();
  const tab = tabOf(client);
  if (tab !== "active") await page.locator(`a[data-gtm-id="clients-tab-${tab}"]`).click();
  for (let p = 1; p < (client.list_page ?? 1); p++) {
    await page.locator('a[data-gtm-id="clients-next"]').first().click();
    await page.waitForFunction((n) => new URL(location.href).searchParams.get("page") === String(n), p + 1);
  }
  const button = page.locator(`button.fitr-ghl__push[data-client-id="${client.id}"]`);
  await button.waitFor({ timeout: 15000 });
  assert.equal(await page.evaluate(() => window.__noReload), true, "the route changed without a page load");
  return button;
}

async function pushAndWait(client, expected) {
  const button = await showRow(client);
  await button.click();
  const status = button.locator("xpath=following-sibling::span[contains(@class,'fitr-ghl__status')]");
  await page.waitForFunction((b) => b.dataset.outcome, await button.elementHandle(), { timeout: 30000 });
  const text = await status.innerText();
  assert.match(text, expected, `status shown: ${text}`);
  return { button, status, text };
}

// --- the tests ----------------------------------------------------------------------------
await admin(GHL_ADMIN, "POST", "/_admin/reset");
await admin(FITR_ADMIN, "POST", "/_admin/reset");
const clients = await fitrClients();

await test("the replica's client pages carry a strict CSP", async () => {
  const res = await page.goto(`${FITR}/coach/clients`);
  const csp = res.headers()["content-security-policy"] ?? "";
  assert.match(csp, /script-src 'self'(;|$)/, csp);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
});

await test("the options page saves the settings and tests the connection", async () => {
  const options = await saveOptions({ sandbox: false });
  await options.locator("#status", { hasText: "Saved." }).waitFor();
  await options.locator("#test").click();
  await options.locator("#status", { hasText: "Connected" }).waitFor({ timeout: 15000 });
  assert.equal(await options.locator("#status").innerText(), "Connected: the location has 0 contacts.");
  await options.screenshot({ path: path.join(ARTIFACTS, "options.png") });
  await options.reload();
  // Settings survive a reload: the page reads them back from the worker's storage.
  await options.waitForFunction((loc) => document.querySelector("#location")?.value === loc, LOCATION);
  assert.equal(await options.locator("#target-live").isChecked(), true);
  await options.close();
});

// A client shown on the first list page whose email sits on rooms page 2 or later.
const target = clients.find(
  (c) => tabOf(c) === "active" && c.list_page === 1 && c.rooms_page >= 2 && c.email && c.status === "Active" && c.plan?.title,
);
assert.ok(target, "the replica has an Active client on list page 1 with its room on page 2+");
let contactId;

await test("first push creates exactly one contact with names, email, tags and a note", async () => {
  const { text } = await pushAndWait(target, /^Created in GHL/);
  assert.match(text, /Open in GHL/);
  const contacts = await ghlContacts();
  assert.equal(contacts.length, 1, JSON.stringify(contacts));
  const c = contacts[0];
  contactId = c.id;
  assert.equal(`${c.firstName} ${c.lastName ?? ""}`.trim(), target.full_name.trim().split(/\s+/).join(" "));
  assert.equal(c.email, target.email.trim().toLowerCase());
  // The default mapping's tag rules: status, program, program type and membership state.
  const expectedTags = [`fitr:${slug(target.status)}`, `fitr:program:${slug(target.plan.title)}`];
  if (target.plan.kind) expectedTags.push(`fitr:program-type:${slug(target.plan.kind)}`);
  if (target.plan.membership?.state) expectedTags.push(`fitr:membership:${slug(target.plan.membership.state)}`);
  assert.deepEqual([...c.tags].sort(), expectedTags.sort());
  assert.equal(c.notes.length, 1);
  assert.match(c.notes[0].body, new RegExp(`Program: ${target.plan.title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  assert.match(c.notes[0].body, /Status: Active/);
  const link = page.locator(`a.fitr-ghl__link`).first();
  assert.equal(
    await link.getAttribute("href"),
    `https://app.gohighlevel.com/v2/location/${LOCATION}/contacts/detail/${contactId}`,
  );
  await page.screenshot({ path: path.join(ARTIFACTS, "pushed.png") });
});

await test("after a status change and a coach's own tag, a second push updates the same contact", async () => {
  assert.ok(contactId, "needs the first push");
  await admin(FITR_ADMIN, "PATCH", `/_admin/clients/${target.id}`, { status: "Needs Training" });
  const before = (await ghlContacts())[0];
  await admin(GHL_ADMIN, "PATCH", `/_admin/contacts/${contactId}`, { tags: [...before.tags, "vip"] });
  await pushAndWait(target, /^Updated in GHL/);
  const contacts = await ghlContacts();
  assert.equal(contacts.length, 1);
  const c = contacts[0];
  assert.equal(c.id, contactId);
  assert.ok(c.tags.includes("fitr:needs-training"), c.tags.join());
  assert.ok(!c.tags.includes("fitr:active"), c.tags.join());
  assert.ok(c.tags.includes("vip"), c.tags.join());
  assert.ok(c.tags.includes(`fitr:program:${slug(target.plan.title)}`), c.tags.join());
  assert.equal(c.notes.length, 2);
  assert.ok(c.notes.some((n) => /Status: Needs Training/.test(n.body)));
});

await test("a third push changes nothing", async () => {
  const before = (await ghlContacts())[0];
  await pushAndWait(target, /^Already up to date/);
  const contacts = await ghlContacts();
  assert.equal(contacts.length, 1);
  assert.deepEqual(contacts[0].tags, before.tags);
  assert.equal(contacts[0].notes.length, 2);
  assert.equal(contacts[0].dateUpdated, before.dateUpdated);
});

await test("a client without a room shows why it was not pushed, and nothing is created", async () => {
  const roomless = clients.find((c) => !c.email && c.rooms_page == null);
  assert.ok(roomless, "the replica has a client without a room");
  const before = (await ghlContacts()).length;
  await pushAndWait(roomless, /has no email in FITR/);
  assert.equal((await ghlContacts()).length, before);
});

await test("two pushes of one client at once make one contact; the second is told to wait", async () => {
  const other = clients.find((c) => c.id !== target.id && tabOf(c) === "active" && c.list_page === 1 && c.email && c.rooms_page != null);
  await showRow(other);
  const token = await page.evaluate(() => localStorage.getItem("access_token"));
  const before = (await ghlContacts()).length;
  const options = await context.newPage();
  await options.goto(`chrome-extension://${EXT_ID}/options.html`);
  const replies = await options.evaluate(
    ([id, token]) => {
      const msg = { tag: "fitr-ghl/1", request: { type: "push_client", client_id: id, fitr_origin: "https://app.fitr.training", fitr_token: token } };
      return Promise.all([chrome.runtime.sendMessage(msg), chrome.runtime.sendMessage(msg)]);
    },
    [other.id, token],
  );
  await options.close();
  const types = replies.map((r) => r.response.type).sort();
  assert.deepEqual(types, ["error", "pushed"], JSON.stringify(replies));
  assert.match(replies.find((r) => r.response.type === "error").response.message, /already being pushed/);
  const after = await ghlContacts();
  assert.equal(after.length, before + 1);
  assert.equal(after.filter((c) => c.email === other.email.trim().toLowerCase()).length, 1);
});

await test("an expired FITR session is reported with what to do, and nothing changes", async () => {
  const other = clients.find((c) => c.id !== target.id && tabOf(c) === "active" && c.list_page === 1 && c.email && c.rooms_page != null);
  // The page itself signs in again when it loads; expire after it has, so the push meets 401.
  const button = await showRow(other);
  await admin(FITR_ADMIN, "POST", "/_admin/expire_tokens");
  const before = (await ghlContacts()).length;
  await button.click();
  await page.waitForFunction((b) => b.dataset.outcome, await button.elementHandle(), { timeout: 30000 });
  const status = button.locator("xpath=following-sibling::span[contains(@class,'fitr-ghl__status')]");
  assert.match(await status.innerText(), /FITR session has expired: reload the FITR page/);
  assert.equal((await ghlContacts()).length, before);
});

await test("the local sandbox setting: permission asked for that origin, and pushes go there", async () => {
  // Headless Chromium cannot click the permission prompt; record the request and answer yes.
  const options = await context.newPage();
  await options.goto(`chrome-extension://${EXT_ID}/options.html`);
  await options.evaluate(() => {
    window.__asked = [];
    chrome.permissions.request = async (p) => (window.__asked.push(p), true);
  });
  await options.locator("#token").fill(TOKEN);
  await options.locator("#location").fill(LOCATION);
  await options.locator("#target-sandbox").check();
  await options.locator("#sandbox-url").fill(SANDBOX_URL);
  await options.locator("#save").click();
  await options.locator("#status", { hasText: "Saved." }).waitFor();
  const asked = await options.evaluate(() => window.__asked);
  assert.deepEqual(asked, [{ origins: [`${SANDBOX_URL}/*`] }]);
  await admin(GHL_ADMIN, "DELETE", "/_admin/requests");
  await options.locator("#test").click();
  await options.locator("#status", { hasText: "Connected" }).waitFor({ timeout: 15000 });
  const log = await admin(GHL_ADMIN, "GET", "/_admin/requests");
  const entries = Array.isArray(log) ? log : log.requests;
  assert.ok(entries.some((r) => r.path === "/contacts/search"), JSON.stringify(entries));
  // Put the live setting back for later tests.
  await options.locator("#target-live").check();
  await options.locator("#save").click();
  await options.locator("#status", { hasText: "Saved." }).waitFor();
  await options.close();
});

/// Send one typed message to the worker from an extension page.
async function ask(from, request) {
  const reply = await from.evaluate((request) => chrome.runtime.sendMessage({ tag: "fitr-ghl/1", request }), request);
  assert.equal(reply?.tag, "fitr-ghl/1", JSON.stringify(reply));
  return reply.response;
}

await test("a bulk sync survives its service worker being stopped mid-run, resumes by itself and ends exact", async () => {
  // The FITR page hands its session to the worker; the options page starts the run.
  await showRow(target);
  const options = await context.newPage();
  await options.goto(`chrome-extension://${EXT_ID}/options.html`);
  const dry = await ask(options, { type: "dry_run", fitr: null });
  assert.equal(dry.type, "plan", JSON.stringify(dry));
  const all = await fitrClients();
  assert.equal(dry.plan.items.length, all.length, "every FITR client, all tabs, is planned");
  const refused = dry.plan.items.filter((i) => i.decision === "refused");
  for (const r of refused) assert.ok(r.reason, `${r.name} is refused with a reason`);
  for (const c of all.filter((c) => !c.email)) {
    assert.ok(refused.some((r) => r.fitr_id === c.id), `${c.full_name} (no email) is refused`);
  }
  const pushable = dry.plan.items.filter((i) => ["create", "update", "unchanged", "verify"].includes(i.decision));
  assert.ok(dry.counts.create > 20, JSON.stringify(dry.counts));
  assert.equal((await ghlContacts()).length, dry.counts.update + dry.counts.unchanged + dry.counts.verify, "the dry run wrote nothing");

  const started = await ask(options, { type: "start_sync", fitr: null });
  assert.equal(started.type, "sync", JSON.stringify(started));
  // Let it make some progress, then stop the real service worker through the DevTools protocol.
  const deadline = Date.now() + 60000;
  let progress;
  do {
    await new Promise((r) => setTimeout(r, 200));
    progress = (await ask(options, { type: "sync_status" })).progress;
  } while (progress.done < 8 && Date.now() < deadline);
  assert.ok(progress.done >= 8 && progress.done < progress.total, `mid-run: ${JSON.stringify(progress)}`);
  await options.close();
  // A script-less extension page: its DevTools session sees the extension's worker versions.
  const probe = await context.newPage();
  await probe.goto(`chrome-extension://${EXT_ID}/manifest.json`);
  const cdp = await context.newCDPSession(probe);
  const versions = new Map();
  cdp.on("ServiceWorker.workerVersionUpdated", ({ versions: vs }) => vs.forEach((v) => versions.set(v.versionId, v)));
  await cdp.send("ServiceWorker.enable");
  const ours = () => [...versions.values()].find((v) => v.scriptURL.startsWith(`chrome-extension://${EXT_ID}/`));
  const waitFor = async (what, ok, ms) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify([...versions.values()])}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitFor("the running worker", () => ours()?.runningStatus === "running", 10000);
  await page.goto("about:blank"); // no FITR page left to wake the worker with a message
  await cdp.send("ServiceWorker.stopWorker", { versionId: ours().versionId });
  await waitFor("the worker to stop", () => ours()?.runningStatus === "stopped", 15000);
  const atStop = (await ghlContacts()).length;
  assert.ok(atStop < pushable.length, `stopped before the end: ${atStop} of ${pushable.length}`);

  // Nothing sends the worker a message: only its alarm can start it again.
  await waitFor("the alarm to start the worker again", () => ours()?.runningStatus === "running", 90000);
  await probe.close();
  const until = Date.now() + 120000;
  let contacts;
  do {
    await new Promise((r) => setTimeout(r, 1000));
    contacts = await ghlContacts();
  } while (contacts.length < pushable.length && Date.now() < until);
  const check = await context.newPage();
  await check.goto(`chrome-extension://${EXT_ID}/options.html`);
  let status;
  do {
    status = (await ask(check, { type: "sync_status" })).progress;
    if (status.state !== "finished") await new Promise((r) => setTimeout(r, 500));
  } while (status.state !== "finished" && Date.now() < until);
  await check.close();
  assert.equal(status.state, "finished", JSON.stringify(status));
  assert.deepEqual(status.failures, []);

  // Exact: one contact per pushable client, none for the others, managed tags as FITR says.
  contacts = await ghlContacts();
  const byEmail = new Map();
  for (const c of contacts) byEmail.set(c.email, [...(byEmail.get(c.email) ?? []), c]);
  const dups = [...byEmail].filter(([, v]) => v.length > 1).map(([e]) => e);
  assert.deepEqual(dups, [], "no duplicates");
  assert.equal(contacts.length, pushable.length);
  const fitrById = new Map((await fitrClients()).map((c) => [c.id, c]));
  for (const item of pushable) {
    const c = byEmail.get(item.desired.email)?.[0];
    assert.ok(c, `${item.name} is in GHL`);
    const f = fitrById.get(item.fitr_id);
    const managed = c.tags.filter((t) => t.startsWith("fitr:")).sort();
    const want = [`fitr:${slug(f.status)}`];
    if (f.plan?.title) want.push(`fitr:program:${slug(f.plan.title)}`);
    if (f.plan?.kind) want.push(`fitr:program-type:${slug(f.plan.kind)}`);
    if (f.plan?.membership?.state) want.push(`fitr:membership:${slug(f.plan.membership.state)}`);
    assert.deepEqual(managed, want.filter((t) => !t.endsWith(":")).sort(), `${item.name}`);
    assert.equal(c.notes.length, c.id === contactId ? 2 : 1, `${item.name}: notes`);
  }
  assert.ok(byEmail.get(target.email.trim().toLowerCase())[0].tags.includes("vip"), "the coach's own tag survived");

  // The options page shows the finished run, and a dry run now plans no write.
  const panel = await context.newPage();
  await panel.goto(`chrome-extension://${EXT_ID}/options.html`);
  await panel.locator("#sync-progress[data-state=finished]").waitFor({ timeout: 15000 });
  assert.match(await panel.locator("#sync-progress").innerText(), new RegExp(`finished: ${status.total} of ${status.total} clients`));
  await panel.locator("#dry-run").click();
  await panel.locator("#dry-run-result").waitFor({ timeout: 30000 });
  const summary = await panel.locator("#dry-run-result p").first().innerText();
  assert.match(summary, new RegExp(`^Dry run: 0 to create, 0 to update, ${pushable.length} unchanged`), summary);
  assert.equal(await panel.locator("#dry-run-result tr[data-decision=create]").count(), 0);
  assert.ok((await panel.locator("#dry-run-result tr[data-decision=refused]").count()) >= 1, "refused clients are listed with the reason");
  await panel.screenshot({ path: path.join(ARTIFACTS, "sync-panel.png"), fullPage: true });
  await panel.close();
});

await test("a sync can be paused (pushes wait), resumed, and cancelled, and a later sync finishes the rest", async () => {
  const options = await context.newPage();
  await options.goto(`chrome-extension://${EXT_ID}/options.html`);
  await showRow(target); // the FITR page hands its (renewed) session to the worker
  const inGhl = new Set((await ghlContacts()).map((g) => g.email));
  const changed = (await fitrClients())
    .filter((c) => c.email && inGhl.has(c.email.trim().toLowerCase()) && c.status === "Active" && c.id !== target.id)
    .slice(0, 12);
  assert.equal(changed.length, 12);
  for (const c of changed) await admin(FITR_ADMIN, "PATCH", `/_admin/clients/${c.id}`, { status: "Needs Training" });
  const hasNew = async (c) => (await ghlContacts()).find((g) => g.email === c.email.trim().toLowerCase())?.tags.includes("fitr:needs-training");

  // Pause right after the start: the run stops before its next client, and a push is refused.
  assert.equal((await ask(options, { type: "start_sync", fitr: null })).type, "sync");
  const paused = await ask(options, { type: "pause_sync" });
  assert.equal(paused.type, "sync", JSON.stringify(paused));
  let p;
  const until = Date.now() + 30000;
  do {
    p = (await ask(options, { type: "sync_status" })).progress;
  } while (p.state !== "paused" && Date.now() < until);
  assert.equal(p.state, "paused", JSON.stringify(p));
  assert.ok(p.done < 12, `paused before the end: ${p.done}`);
  const done = p.done;
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await ask(options, { type: "sync_status" })).progress.done, done, "nothing runs while paused");
  const refused = await options.evaluate(
    ([id, token]) => chrome.runtime.sendMessage({ tag: "fitr-ghl/1", request: { type: "push_client", client_id: id, fitr_origin: "https://app.fitr.training", fitr_token: token } }),
    [changed[11].id, await page.evaluate(() => localStorage.getItem("access_token"))],
  );
  assert.match(refused.response.message, /paused: resume it/);

  // Resume, then cancel at once: what was done stays done, the rest is cancelled.
  assert.equal((await ask(options, { type: "resume_sync" })).type, "sync");
  const cancelled = await ask(options, { type: "cancel_sync" });
  assert.equal(cancelled.type, "sync", JSON.stringify(cancelled));
  do {
    p = (await ask(options, { type: "sync_status" })).progress;
  } while (p.state === "running" && Date.now() < until);
  assert.equal(p.state, "cancelled", JSON.stringify(p));
  const updatedNow = (await Promise.all(changed.map(hasNew))).filter(Boolean).length;
  assert.equal(updatedNow, p.updated, `clients updated before the cancel: ${JSON.stringify(p)}`);

  // A new sync finishes exactly the rest.
  const dry = await ask(options, { type: "dry_run", fitr: null });
  assert.equal(dry.counts.update, 12 - updatedNow, JSON.stringify(dry.counts));
  assert.equal(dry.counts.create, 0);
  assert.equal((await ask(options, { type: "start_sync", fitr: null })).type, "sync");
  do {
    p = (await ask(options, { type: "sync_status" })).progress;
    if (p.state === "running") await new Promise((r) => setTimeout(r, 300));
  } while (p.state === "running" && Date.now() < until + 30000);
  assert.equal(p.state, "finished", JSON.stringify(p));
  assert.deepEqual(await Promise.all(changed.map(hasNew)), changed.map(() => true));
  for (const c of changed) {
    const g = (await ghlContacts()).filter((g) => g.email === c.email.trim().toLowerCase());
    assert.equal(g.length, 1);
    assert.ok(!g[0].tags.includes("fitr:active"), g[0].tags.join());
    assert.equal(g[0].notes.length, 2, `${c.full_name}: one new note`);
  }
  await options.close();
});

await test("rows show each client's GHL state; a pull sees GHL changes; the automatic rules carry FITR changes and new leads", async () => {
  const options = await context.newPage();
  await options.goto(`chrome-extension://${EXT_ID}/options.html`);
  const all = await fitrClients();
  const byEmail = async (c) => (await ghlContacts()).filter((g) => g.email === c.email?.trim().toLowerCase());
  // GHL side: a coach strips the FITR tags from one linked contact.
  const other = all.find((c) => c.id !== target.id && tabOf(c) === "active" && c.list_page === 1 && c.email && c.rooms_page != null);
  const [og] = await byEmail(other);
  await admin(GHL_ADMIN, "PATCH", `/_admin/contacts/${og.id}`, { tags: ["vip"] });
  // FITR side: a linked client's status changes, and a new lead (Pending, with an email) appears.
  const inGhl = new Set((await ghlContacts()).map((g) => g.email));
  const mover = all.find((c) => c.id !== target.id && c.id !== other.id && c.email && inGhl.has(c.email.trim().toLowerCase()) && c.status === "Needs Training");
  await admin(FITR_ADMIN, "PATCH", `/_admin/clients/${mover.id}`, { status: "Active" });
  // Every pushable client is in GHL by now: the lead is a client without a chat room (so
  // without an email) whom the coach starts a chat with while it waits as Pending.
  const roomlessOne = all.find((c) => !c.email && c.rooms_page == null && !(tabOf(c) === "active" && c.list_page === 1));
  await admin(FITR_ADMIN, "PATCH", `/_admin/clients/${roomlessOne.id}`, { status: "Pending", email: "new.lead.e2e@example.org", room: true });
  const lead = { ...roomlessOne, email: "new.lead.e2e@example.org" };

  // The coach turns on the rule for leads, then checks GHL now (what the alarm does).
  await options.locator("#auto-push-pending").check();
  await options.locator("#save").click();
  await options.locator("#status", { hasText: "Saved." }).waitFor();
  await showRow(target); // a FITR tab hands over its session
  await options.locator("#pull").click();
  await options.locator("#pull-result").waitFor({ timeout: 30000 });
  const said = await options.locator("#pull-result").innerText();
  assert.match(said, /Checked GHL: \d+ linked clients? changed there/);
  assert.match(said, /automatic rules started a sync of 2 clients/, said);
  const until = Date.now() + 60000;
  let p;
  do {
    await new Promise((r) => setTimeout(r, 300));
    p = (await ask(options, { type: "sync_status" })).progress;
  } while (p.state === "running" && Date.now() < until);
  assert.equal(p.state, "finished", JSON.stringify(p));
  assert.deepEqual(p.failures, []);
  const [moved] = await byEmail(mover);
  assert.ok(moved.tags.includes("fitr:active") && !moved.tags.includes("fitr:needs-training"), moved.tags.join());
  const leads = await byEmail(lead);
  assert.equal(leads.length, 1, "the lead was created once");
  assert.ok(leads[0].tags.includes("fitr:pending"), leads[0].tags.join());
  assert.deepEqual((await byEmail(other))[0].tags, ["vip"], "a GHL-side change is shown, not overwritten by the rules");

  // The rows: up to date, changed in GHL, not in GHL.
  const roomless = all.find((c) => !c.email && c.rooms_page == null && tabOf(c) === "active" && c.list_page === 1);
  await page.reload();
  const badgeOf = (c) => page.locator(`.fitr-ghl__badge[data-client-id="${c.id}"]`).first();
  await badgeOf(other).locator("xpath=self::*[@data-badge]").waitFor({ timeout: 15000 });
  assert.equal(await badgeOf(other).getAttribute("data-badge"), "differs");
  assert.equal(await badgeOf(other).innerText(), "Changed in GHL: FITR tags");
  assert.equal(await badgeOf(target).getAttribute("data-badge"), "up_to_date");
  if (roomless) assert.equal(await badgeOf(roomless).getAttribute("data-badge"), "not_in_ghl");
  await page.screenshot({ path: path.join(ARTIFACTS, "badges.png") });
  // The coach pushes it again: FITR's tags are back, the coach's own kept, the badge follows.
  const button = page.locator(`button.fitr-ghl__push[data-client-id="${other.id}"]`);
  await button.click();
  await page.waitForFunction((b) => b.dataset.outcome, await button.elementHandle(), { timeout: 30000 });
  await page.waitForFunction((id) => document.querySelector(`.fitr-ghl__badge[data-client-id="${id}"]`)?.dataset.badge === "up_to_date", other.id, { timeout: 15000 });
  const back = (await byEmail(other))[0];
  assert.ok(back.tags.includes("vip") && back.tags.some((t) => t.startsWith("fitr:")), back.tags.join());
  await options.close();
});

await test("the hosted app tests the sandbox, and says the extension is needed for live", async () => {
  const app = await context.newPage();
  await app.goto(APP_URL);
  await app.locator("#token").fill(TOKEN);
  await app.locator("#location").fill(LOCATION);
  await app.locator("#target-sandbox").check();
  await app.locator("#sandbox-url").fill(SANDBOX_URL);
  await app.locator("#test").click();
  await app.locator("#status", { hasText: "Connected" }).waitFor({ timeout: 15000 });
  const count = (await ghlContacts()).length;
  assert.equal(await app.locator("#status").innerText(), `Connected: the location has ${count} contact${count === 1 ? "" : "s"}.`);
  await app.locator("#token").fill("pit-wrong");
  await app.locator("#test").click();
  await app.locator("#status.status--error").waitFor({ timeout: 15000 });
  assert.match(await app.locator("#status").innerText(), /401/);
  await app.locator("#target-live").check();
  await app.locator("#test").click();
  await app.locator("#status.status--error").waitFor();
  assert.match(await app.locator("#status").innerText(), /Install the FITR ⇄ GHL extension/);
  await app.screenshot({ path: path.join(ARTIFACTS, "hosted-app.png") });
  await app.close();
});

await context.close();
rmSync(profile, { recursive: true, force: true });
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
