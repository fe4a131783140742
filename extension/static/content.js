// Content script on FITR's pages. It only places UI and passes typed messages
// (shared::protocol, tag "fitr-ghl/1") to the service worker, which does all the work:
// WebAssembly cannot run here under FITR's strict CSP, and cross-origin fetches fail on CORS.
(() => {
  "use strict";
  const TAG = "fitr-ghl/1";

  // Where FITR's markup is anchored. One replaceable table: FITR's real markup is unverified.
  const ANCHORS = {
    // Links that open a client's page; the id is read from the href.
    clientLink: 'a[href*="/coach/clients/"], a[href*="/coach/athletes/"]',
    clientId: /\/coach\/(?:clients|athletes)\/(\d+)(?:[/?#]|$)/,
    // Routes where client links are expected; warn when none appear there.
    listRoute: /^\/coach\/clients\/?$/,
  };
  const MARK = "data-fitr-ghl";
  const WARN_AFTER_MS = 8000;

  function clientIdOf(link) {
    const m = ANCHORS.clientId.exec(link.getAttribute("href") || "");
    return m ? Number(m[1]) : null;
  }

  function decorate(link) {
    if (link.hasAttribute(MARK)) return;
    const id = clientIdOf(link);
    if (id === null) return;
    link.setAttribute(MARK, "");
    const box = document.createElement("span");
    box.className = "fitr-ghl";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "fitr-ghl__push";
    button.textContent = "Push to GHL";
    button.dataset.clientId = String(id);
    const status = document.createElement("span");
    status.className = "fitr-ghl__status";
    status.setAttribute("role", "status");
    const badge = document.createElement("span");
    badge.className = "fitr-ghl__badge";
    badge.dataset.clientId = String(id);
    box.append(badge, button, status);
    wantBadge(id);
    link.after(box);
    button.addEventListener("click", (event) => {
      event.preventDefault();
      event.stopPropagation();
      push(id, button, status);
    });
  }

  function show(status, kind, text, href) {
    status.className = `fitr-ghl__status fitr-ghl__status--${kind}`;
    status.textContent = text;
    if (href) {
      const a = document.createElement("a");
      a.className = "fitr-ghl__link";
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = "Open in GHL";
      status.append(" ", a);
    }
  }

  // Each row's GHL state (from the worker's links and last pull), asked for in batches.
  const BADGE_TEXT = {
    not_in_ghl: () => "Not in GHL",
    up_to_date: (b) => "In GHL ✓" + (b.open_tasks ? ` · ${b.open_tasks} open task${b.open_tasks === 1 ? "" : "s"}` : ""),
    differs: (b) => `Changed in GHL: ${b.badge.what.join(", ")}`,
    missing: () => "Deleted in GHL",
    ambiguous: () => "Ambiguous: decide in GHL",
  };
  const wanted = new Set();
  let badgeTimer = null;
  function wantBadge(id) {
    wanted.add(id);
    if (!badgeTimer) badgeTimer = setTimeout(fetchBadges, 300);
  }
  async function fetchBadges() {
    badgeTimer = null;
    const ids = [...wanted];
    wanted.clear();
    let reply;
    try {
      reply = await chrome.runtime.sendMessage({ tag: TAG, request: { type: "badges", client_ids: ids } });
    } catch {
      return; // the extension was reloaded: the rows keep their buttons
    }
    if (reply?.tag !== TAG || reply.response?.type !== "badges") return;
    for (const b of reply.response.badges) {
      for (const el of document.querySelectorAll(`.fitr-ghl__badge[data-client-id="${b.fitr_id}"]`)) {
        const kind = b.badge.kind;
        el.className = `fitr-ghl__badge fitr-ghl__badge--${kind}`;
        el.dataset.badge = kind;
        el.textContent = (BADGE_TEXT[kind] || (() => kind))(b);
        el.title = kind === "ambiguous" ? b.badge.reason : b.tags.length ? `GHL tags: ${b.tags.join(", ")}` : "";
      }
    }
  }

  const LABELS = { created: "Created in GHL", updated: "Updated in GHL", unchanged: "Already up to date" };

  async function push(clientId, button, status) {
    const token = window.localStorage.getItem("access_token");
    if (!token) {
      show(status, "error", "You are not signed in to FITR: sign in, then push again.");
      return;
    }
    button.disabled = true;
    show(status, "pending", "Pushing…");
    let reply;
    try {
      reply = await chrome.runtime.sendMessage({
        tag: TAG,
        request: { type: "push_client", client_id: clientId, fitr_origin: location.origin, fitr_token: token },
      });
    } catch (err) {
      reply = { tag: TAG, response: { type: "error", message: `The extension did not answer (${err.message || err}). Reload the page and try again.` } };
    }
    button.disabled = false;
    const response = reply && reply.tag === TAG ? reply.response : null;
    if (!response) {
      show(status, "error", "The extension sent an unexpected answer. Reload the page and try again.");
    } else if (response.type === "pushed") {
      const r = response.report;
      const details = [...r.changes, ...r.warnings].join("; ");
      show(status, r.outcome, LABELS[r.outcome] + (details ? ` (${details})` : ""), r.contact_url);
      button.dataset.outcome = r.outcome;
      button.dataset.contactId = r.contact_id;
      wantBadge(clientId);
    } else {
      show(status, "error", response.message || "Unknown error.");
      button.dataset.outcome = "error";
    }
  }

  // Let the worker read the clients for a sync started from the options page: the page's
  // session (kept for this browser session only), sent again whenever the page renews it.
  let rememberedToken = null;
  function rememberSession() {
    const token = window.localStorage.getItem("access_token");
    if (!token || token === rememberedToken) return;
    rememberedToken = token;
    chrome.runtime
      .sendMessage({ tag: TAG, request: { type: "remember_fitr_session", session: { origin: location.origin, token } } })
      .catch(() => {
        rememberedToken = null;
      });
  }

  // Rows render late and routes change without page loads: watch the DOM.
  let warnTimer = null;
  let banner = null;
  function scan() {
    rememberSession();
    const links = document.querySelectorAll(ANCHORS.clientLink);
    links.forEach(decorate);
    const found = document.querySelector(`[${MARK}]`) !== null;
    if (found && banner) {
      banner.remove();
      banner = null;
    }
    if (!found && ANCHORS.listRoute.test(location.pathname) && !warnTimer && !banner) {
      warnTimer = setTimeout(() => {
        warnTimer = null;
        if (document.querySelector(`[${MARK}]`) || !ANCHORS.listRoute.test(location.pathname)) return;
        banner = document.createElement("div");
        banner.className = "fitr-ghl-warning";
        banner.textContent = "FITR ⇄ GHL: no client rows were found on this page, so no Push buttons are shown. FITR may have changed its layout; please report it.";
        document.body.append(banner);
      }, WARN_AFTER_MS);
    }
  }
  new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true });
  scan();
})();
