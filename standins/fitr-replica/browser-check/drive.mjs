// Drives headless Chromium over the DevTools protocol against a running replica: real mouse
// clicks, pushState, lazy rows, re-sign-in, request headers, CSP. Run through run.sh.
// Usage: node drive.mjs http://127.0.0.1:PORT http://127.0.0.1:DEBUG_PORT [screenshot.png]
const BASE = process.argv[2];
const DBG = process.argv[3];
const SHOT = process.argv[4] || '/tmp/fitr-replica-browser.png';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const targets = await (await fetch(`${DBG}/json/list`)).json();
const page = targets.find((t) => t.type === 'page');
const ws = new WebSocket(page.webSocketDebuggerUrl);
await new Promise((r) => ws.addEventListener('open', r));
let nextId = 1;
const pending = new Map();
const events = [];
ws.addEventListener('message', (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); }
  else events.push(msg);
});
const send = (method, params = {}) => new Promise((resolve) => {
  const id = nextId++;
  pending.set(id, resolve);
  ws.send(JSON.stringify({ id, method, params }));
});
const evaluate = async (expr) => {
  const r = await send('Runtime.evaluate', { expression: expr, returnByValue: true, awaitPromise: true });
  if (r.result.exceptionDetails) throw new Error(JSON.stringify(r.result.exceptionDetails));
  return r.result.result.value;
};
const waitFor = async (expr, ms = 5000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await evaluate(expr)) return true; await sleep(50); }
  throw new Error('timeout waiting for ' + expr);
};
const click = async (selector) => {
  const box = await evaluate(`(() => { const el = document.querySelector(${JSON.stringify(selector)}); el.scrollIntoView({block:'center'}); const r = el.getBoundingClientRect(); return {x: r.x + Math.min(r.width/2, 20), y: r.y + r.height/2}; })()`);
  for (const type of ['mousePressed', 'mouseReleased']) {
    await send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
  }
};
const check = (cond, what) => { console.log((cond ? 'ok   ' : 'FAIL ') + what); if (!cond) process.exitCode = 1; };

await send('Page.enable'); await send('Runtime.enable'); await send('Log.enable'); await send('Network.enable');
await send('Page.addScriptToEvaluateOnNewDocument', { source: `window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));` });
await send('Page.navigate', { url: `${BASE}/coach/clients` });
await waitFor(`document.querySelectorAll('tr.clients-table__row').length > 0`);
await evaluate(`window.__marker = 'same-document'`);
const rows = await evaluate(`document.querySelectorAll('tr.clients-table__row[data-gtm-id="client-row"]').length`);
check(rows === 25, `25 rows on the Active tab (got ${rows})`);
check(await evaluate(`document.querySelector('.app__nav .nav-link.active').dataset.gtmId === 'nav-clients'`), 'nav-clients is active');

// Rows render lazily: navigate away and back and look before the delay.
await click('a[data-gtm-id="nav-programs"]');
await waitFor(`location.pathname === '/coach/programs'`);
await waitFor(`document.querySelectorAll('.program-card').length > 0`);
await click('a[data-gtm-id="nav-clients"]');
const immediately = await evaluate(`document.querySelectorAll('tr.clients-table__row').length`);
check(immediately === 0, `no rows right after the route change (got ${immediately})`);
await waitFor(`document.querySelectorAll('tr.clients-table__row').length === 25`);

const name = await evaluate(`document.querySelectorAll('a.clients-table__name')[2].textContent`);
const href = await evaluate(`document.querySelectorAll('a.clients-table__name')[2].getAttribute('href')`);
await click('tr.clients-table__row:nth-child(3) a.clients-table__name');
await waitFor(`location.pathname === ${JSON.stringify(href)}`);
await waitFor(`!!document.querySelector('h1.client-header__name')`);
check(await evaluate(`document.querySelector('h1.client-header__name').textContent`) === name, `client page shows ${name}`);
check(await evaluate(`window.__marker`) === 'same-document', 'no page load on clicking a name (pushState)');

await click('a[data-gtm-id="client-back"]');
await waitFor(`location.pathname === '/coach/clients' && document.querySelectorAll('tr.clients-table__row').length === 25`);
await click('a[data-gtm-id="clients-next"]');
await waitFor(`location.search === '?page=2' && document.querySelectorAll('tr.clients-table__row').length > 0`);
const page2First = await evaluate(`document.querySelector('a.clients-table__name').textContent`);
check(page2First !== await evaluate(`''`), `page 2 renders (first: ${page2First})`);
await evaluate(`history.back()`);
await waitFor(`location.search === '' && document.querySelectorAll('tr.clients-table__row').length === 25`);
check(true, 'popstate back to page 1 re-renders');

await click('a[data-gtm-id="clients-tab-pending"]');
await waitFor(`location.search === '?tab=pending' && document.querySelectorAll('tr.clients-table__row').length > 0`);
const statuses = await evaluate(`[...document.querySelectorAll('.clients-table__cell--status')].map(td => td.textContent)`);
check(statuses.every((s) => s === 'Pending'), `Pending tab lists only Pending (${statuses.length})`);

await click('a[data-gtm-id="clients-tab-active"]');
await waitFor(`location.search === '' && document.querySelectorAll('tr.clients-table__row').length === 25`);
await click('input[data-gtm-id="clients-search"]');
await send('Input.insertText', { text: 'zo' });
await waitFor(`location.search === '?q=zo' && document.querySelectorAll('tr.clients-table__row').length > 0 && document.querySelectorAll('tr.clients-table__row').length < 25`);
const found = await evaluate(`[...document.querySelectorAll('a.clients-table__name')].map(a => a.textContent)`);
check(found.includes("Zoë O'Neill-Hart"), `search "zo" finds Zoë (${found.join(', ')})`);

// Expired session: the page signs in again and carries on.
const before = await evaluate(`localStorage.getItem('access_token')`);
await fetch(`${BASE}/_admin/expire_tokens`, { method: 'POST' });
await click('a.clients-table__name');
await waitFor(`!!document.querySelector('h1.client-header__name')`);
const after = await evaluate(`localStorage.getItem('access_token')`);
check(before && after && before !== after, 'a 401 leads to a new token in localStorage.access_token');
check(await evaluate(`window.__marker`) === 'same-document', 'still the same document after all that');

const apiRequests = events.filter((e) => e.method === 'Network.requestWillBeSent' && e.params.request.url.includes('/api/') && !e.params.request.url.endsWith('/api/session'));
const hdrs = apiRequests.map((e) => Object.fromEntries(Object.entries(e.params.request.headers).map(([k, v]) => [k.toLowerCase(), v])));
check(hdrs.length > 5 && hdrs.every((h) => /^bearer fitr_/.test(h.authorization) && h['api-version'] === '3' && h.accept === 'application/json' && h['client-timezone']), `every API request carries the FITR headers (${hdrs.length}; tz ${hdrs[0] && hdrs[0]['client-timezone']})`);
const docLoads = events.filter((e) => e.method === 'Network.requestWillBeSent' && e.params.type === 'Document').length;
check(docLoads === 1, `one document load in all (${docLoads})`);
const csp = await evaluate(`window.__csp`);
const logs = events.filter((e) => e.method === 'Log.entryAdded' || (e.method === 'Runtime.consoleAPICalled' && e.params.type === 'error') || e.method === 'Runtime.exceptionThrown');
check(csp.length === 0, `no CSP violations (${JSON.stringify(csp)})`);
const bad = logs.filter((l) => !(l.params.entry && / 401 /.test(l.params.entry.text)));
check(bad.length === 0, `no console errors or exceptions besides the expected 401 (${JSON.stringify(bad.map((l) => l.params.entry ? l.params.entry.text + " " + l.params.entry.url : l.params)).slice(0, 400)})`);
await send('Page.captureScreenshot', { format: 'png' }).then(async (r) => {
  (await import('node:fs')).writeFileSync(SHOT, Buffer.from(r.result.data, 'base64'));
});
ws.close();
console.log(process.exitCode ? 'browser check FAILED' : 'browser check passed; screenshot ' + SHOT);
