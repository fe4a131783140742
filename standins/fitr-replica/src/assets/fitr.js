// FITR replica single-page app. Served from /assets/fitr.js under `script-src 'self'`:
// no inline scripts, no inline handlers, no eval; the DOM is built with createElement.
'use strict';

(function () {
  const PER_PAGE = 25;
  const TABS = [
    { type: 'active', label: 'Active' },
    { type: 'pending', label: 'Pending' },
    { type: 'past', label: 'Past' },
  ];
  const KIND_LABELS = {
    one_to_one: '1-2-1',
    group_rolling: 'Group Rolling Calendar',
    session_one_day_one: 'Session 1 Day 1',
    fixed_length: 'Fixed Length',
  };

  const root = document.getElementById('app-root');
  let renderSeq = 0; // bumps on every route change or reload; stale async work checks it
  let lastListUrl = '/coach/clients';
  let signingIn = null;

  // ---- DOM helper --------------------------------------------------------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      el.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  // Content renders lazily, as in FITR: rows appear 300-700 ms after their data arrives.
  const lazyDelay = () => sleep(300 + Math.floor(Math.random() * 400));
  const slug = (text) => String(text).toLowerCase().replace(/[^a-z0-9]+/g, '-');

  // ---- Session and API ---------------------------------------------------------------------
  function timezone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    } catch (_) {
      return 'UTC';
    }
  }

  function signIn() {
    if (!signingIn) {
      signingIn = fetch('/api/session', { method: 'POST', headers: { accept: 'application/json' } })
        .then((resp) => {
          if (!resp.ok) throw new Error('sign-in failed: HTTP ' + resp.status);
          return resp.json();
        })
        .then((body) => {
          localStorage.setItem('access_token', body.access_token);
        })
        .finally(() => {
          signingIn = null;
        });
    }
    return signingIn;
  }

  function apiHeaders() {
    return {
      Authorization: 'bearer ' + localStorage.getItem('access_token'),
      'api-version': '3',
      accept: 'application/json',
      'client-timezone': timezone(),
    };
  }

  async function api(path) {
    if (!localStorage.getItem('access_token')) await signIn();
    let resp = await fetch(path, { headers: apiHeaders() });
    if (resp.status === 401) {
      await signIn();
      resp = await fetch(path, { headers: apiHeaders() });
    }
    if (!resp.ok) {
      const err = new Error('HTTP ' + resp.status + ' for ' + path);
      err.status = resp.status;
      throw err;
    }
    return resp.json();
  }

  // ---- Routing -----------------------------------------------------------------------------
  function navigate(url) {
    history.pushState({}, '', url);
    route();
  }

  function onClick(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest('a[href]');
    if (!link || link.target === '_blank' || link.hasAttribute('download')) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith('/coach')) return;
    event.preventDefault();
    if (link.classList.contains('disabled') || link.getAttribute('aria-disabled') === 'true') return;
    navigate(url.pathname + url.search);
  }

  function setActiveNav(path) {
    for (const link of document.querySelectorAll('.app__nav .nav-link')) {
      const href = link.getAttribute('href');
      const active = path === href || path.startsWith(href + '/');
      link.classList.toggle('active', active);
      if (active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  function route() {
    const path = location.pathname.replace(/\/+$/, '') || '/';
    setActiveNav(path);
    const seq = ++renderSeq;
    window.scrollTo(0, 0);
    const client = path.match(/^\/coach\/clients\/(\d+)$/);
    if (path === '/coach/clients') return renderClients(seq);
    if (client) return renderClient(seq, client[1]);
    if (path === '/coach' || path === '/coach/programs' || path.startsWith('/coach/programs/')) {
      return renderPrograms(seq);
    }
    return renderNotFound();
  }

  function show(...children) {
    root.replaceChildren(...children);
  }

  function loading() {
    return h('div', { class: 'spinner-row', role: 'status' },
      h('span', { class: 'spinner-border', 'aria-hidden': 'true' }), ' Loading…');
  }

  function errorBox(err) {
    return h('div', { class: 'alert alert-danger', role: 'alert' },
      'Something went wrong loading this page (' + (err && err.message ? err.message : err) + ').');
  }

  function renderNotFound() {
    show(h('div', { class: 'empty-state' },
      h('h1', { class: 'page-title' }, 'Page not found'),
      h('a', { class: 'btn btn-primary', href: '/coach/programs', 'data-gtm-id': 'not-found-home' },
        'Go to Programs')));
  }

  // ---- Programs ----------------------------------------------------------------------------
  async function renderPrograms(seq) {
    const grid = h('div', { class: 'programs-grid' });
    const status = loading();
    show(h('section', { class: 'programs-page' },
      h('div', { class: 'page-header' },
        h('h1', { class: 'page-title' }, 'Programs'),
        h('a', { class: 'btn btn-primary', href: '/coach/clients', 'data-gtm-id': 'programs-view-clients' },
          'View clients')),
      status, grid));
    let data;
    try {
      data = await api('/api/coach/programs');
    } catch (err) {
      if (seq === renderSeq) status.replaceWith(errorBox(err));
      return;
    }
    await lazyDelay();
    if (seq !== renderSeq) return;
    status.remove();
    for (const program of data.programs || []) {
      grid.append(h('article', { class: 'card program-card', 'data-gtm-id': 'program-card' },
        h('div', { class: 'card-body' },
          h('h2', { class: 'card-title program-card__title' }, program.title),
          h('p', { class: 'program-card__kind text-muted' }, KIND_LABELS[program.kind] || program.kind),
          h('ul', { class: 'program-card__counts' },
            h('li', {}, h('strong', {}, program.active_count), ' active'),
            h('li', {}, h('strong', {}, program.pending_count), ' pending'),
            h('li', {}, h('strong', {}, program.past_count), ' past')))));
    }
  }

  // ---- Client list -------------------------------------------------------------------------
  function listUrl(tab, page, q) {
    const params = new URLSearchParams();
    if (tab !== 'active') params.set('tab', tab);
    if (page > 1) params.set('page', String(page));
    if (q) params.set('q', q);
    const qs = params.toString();
    return '/coach/clients' + (qs ? '?' + qs : '');
  }

  function renderClients(seq) {
    const params = new URLSearchParams(location.search);
    const tab = TABS.some((t) => t.type === params.get('tab')) ? params.get('tab') : 'active';
    const page = Math.max(1, parseInt(params.get('page') || '1', 10) || 1);
    const q = params.get('q') || '';
    lastListUrl = listUrl(tab, page, q);

    const tabs = h('ul', { class: 'nav nav-tabs clients-tabs', role: 'tablist' },
      TABS.map((t) => h('li', { class: 'nav-item', role: 'presentation' },
        h('a', {
          class: 'nav-link' + (t.type === tab ? ' active' : ''),
          href: listUrl(t.type, 1, ''),
          role: 'tab',
          'aria-selected': t.type === tab ? 'true' : 'false',
          'data-gtm-id': 'clients-tab-' + t.type,
        }, t.label))));
    const search = h('input', {
      type: 'search',
      class: 'form-control clients-search__input',
      placeholder: 'Search clients',
      'aria-label': 'Search clients',
      'data-gtm-id': 'clients-search',
      value: q,
    });
    const tbody = h('tbody', { class: 'clients-table__body' });
    const table = h('table', { class: 'table table-dark table-hover clients-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Name'),
        h('th', { scope: 'col' }, 'Program'),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col' }, 'Membership'),
        h('th', { scope: 'col' }, 'Last 7 days'))),
      tbody);
    const status = h('div', { class: 'clients-status' });
    const pager = h('nav', { class: 'clients-pagination', 'aria-label': 'Clients pages' });

    show(h('section', { class: 'clients-page' },
      h('div', { class: 'page-header' }, h('h1', { class: 'page-title' }, 'Clients')),
      tabs,
      h('div', { class: 'clients-toolbar' },
        h('div', { class: 'clients-search' }, search),
        h('div', { class: 'clients-toolbar__actions' })),
      status,
      h('div', { class: 'table-responsive' }, table),
      pager));

    const els = { tbody, status, pager };
    let debounce = null;
    search.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        const text = search.value.trim();
        history.replaceState({}, '', listUrl(tab, 1, text));
        lastListUrl = listUrl(tab, 1, text);
        loadRows(++renderSeq, tab, 1, text, els);
      }, 300);
    });
    loadRows(seq, tab, page, q, els);
  }

  async function loadRows(seq, tab, page, q, els) {
    els.tbody.replaceChildren();
    els.pager.replaceChildren();
    els.status.replaceChildren(loading());
    const params = new URLSearchParams();
    params.set('athlete_type', tab);
    params.set('page', String(page));
    params.set('per_page', String(PER_PAGE));
    if (q) params.set('q[first_name_or_last_name_or_full_name_start]', q);
    params.append('q[s][]', 'full_name asc');
    let data;
    try {
      data = await api('/api/coach/search_clients?' + params.toString());
    } catch (err) {
      if (seq === renderSeq) els.status.replaceChildren(errorBox(err));
      return;
    }
    await lazyDelay();
    if (seq !== renderSeq) return;

    const athletes = data.athletes || [];
    const pagination = data.active_pagination || {};
    const total = pagination.total_count || 0;
    const totalPages = pagination.total_pages || 0;
    els.status.replaceChildren(athletes.length === 0
      ? h('p', { class: 'empty-state text-muted' }, q ? 'No clients match “' + q + '”.' : 'No clients here yet.')
      : h('p', { class: 'clients-status__count text-muted' }, total + (total === 1 ? ' client' : ' clients')));
    els.tbody.replaceChildren(...athletes.map(row));
    if (totalPages > 1 || page > 1) {
      els.pager.replaceChildren(pagerList(tab, page, totalPages, q));
    }
  }

  function perfDots(athlete) {
    const days = (athlete.display_plan && athlete.display_plan.performance_by_days) || [];
    return h('span', { class: 'perf-dots' }, days.map((d) => h('span', {
      class: 'perf-dot perf-dot--' + slug(d.status) + (d.online ? ' perf-dot--online' : ''),
      title: d.date + ': ' + d.status,
    })));
  }

  function row(athlete) {
    const plan = athlete.plan || {};
    const membership = (plan.membership && plan.membership.state) || 'unknown';
    return h('tr', { class: 'clients-table__row', 'data-gtm-id': 'client-row' },
      h('td', { class: 'clients-table__cell clients-table__cell--name' },
        h('a', { class: 'clients-table__name', href: '/coach/clients/' + athlete.id }, athlete.full_name)),
      h('td', { class: 'clients-table__cell clients-table__cell--program' }, plan.title || '—'),
      h('td', { class: 'clients-table__cell clients-table__cell--status' },
        h('span', { class: 'badge badge--status badge--' + slug(athlete.status || '') }, athlete.status || '—')),
      h('td', { class: 'clients-table__cell clients-table__cell--membership' },
        h('span', { class: 'badge badge--membership-' + slug(membership) }, membership)),
      h('td', { class: 'clients-table__cell clients-table__cell--performance' }, perfDots(athlete)));
  }

  function pagerList(tab, page, totalPages, q) {
    const item = (label, target, disabled, gtm) => h('li', { class: 'page-item' + (disabled ? ' disabled' : '') },
      h('a', {
        class: 'page-link' + (disabled ? ' disabled' : ''),
        href: listUrl(tab, target, q),
        'aria-disabled': disabled ? 'true' : null,
        'data-gtm-id': gtm,
      }, label));
    return h('ul', { class: 'pagination' },
      item('Prev', page - 1, page <= 1, 'clients-prev'),
      h('li', { class: 'page-item active' },
        h('span', { class: 'page-link clients-pagination__current' }, 'Page ' + page + ' of ' + Math.max(totalPages, 1))),
      item('Next', page + 1, page >= totalPages, 'clients-next'));
  }

  // ---- One client --------------------------------------------------------------------------
  async function renderClient(seq, id) {
    const body = h('div', { class: 'client-page__body' }, loading());
    show(h('section', { class: 'client-page' },
      h('a', { class: 'btn btn-link client-page__back', href: lastListUrl, 'data-gtm-id': 'client-back' },
        '← Back to clients'),
      body));
    let athlete;
    try {
      athlete = await api('/api/coach/athletes/' + encodeURIComponent(id));
    } catch (err) {
      if (seq !== renderSeq) return;
      body.replaceChildren(err.status === 404
        ? h('div', { class: 'empty-state' }, h('h1', { class: 'page-title' }, 'Client not found'))
        : errorBox(err));
      return;
    }
    await lazyDelay();
    if (seq !== renderSeq) return;
    const plan = athlete.plan || {};
    const membership = (plan.membership && plan.membership.state) || 'unknown';
    const since = athlete.created_at ? new Date(athlete.created_at * 1000).toLocaleDateString() : '—';
    const days = (athlete.display_plan && athlete.display_plan.performance_by_days) || [];
    const field = (label, value, cls) => [h('dt', {}, label), h('dd', { class: cls }, value)];
    body.replaceChildren(
      h('div', { class: 'client-header' },
        h('h1', { class: 'page-title client-header__name' }, athlete.full_name),
        h('span', { class: 'badge badge--status badge--' + slug(athlete.status || '') }, athlete.status || '—')),
      h('div', { class: 'card client-card' }, h('div', { class: 'card-body' },
        h('dl', { class: 'client-details' },
          field('Program', plan.title || '—', 'client-details__program'),
          field('Program type', KIND_LABELS[plan.kind] || plan.kind || '—', 'client-details__kind'),
          field('Status', athlete.status || '—', 'client-details__status'),
          field('Membership', membership, 'client-details__membership'),
          field('Phone', athlete.phone || '—', 'client-details__phone'),
          field('Client since', since, 'client-details__since')))),
      h('div', { class: 'card client-card' }, h('div', { class: 'card-body' },
        h('h2', { class: 'card-title' }, 'Last 7 days'),
        h('table', { class: 'table table-dark client-performance' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Date'), h('th', {}, 'Training'), h('th', {}, 'Online'))),
          h('tbody', {}, days.map((d) => h('tr', { class: 'client-performance__day' },
            h('td', {}, d.date),
            h('td', {}, h('span', { class: 'perf-dot perf-dot--' + slug(d.status) }), ' ', d.status),
            h('td', {}, d.online ? 'yes' : 'no'))))))));
  }

  // ---- Boot --------------------------------------------------------------------------------
  async function loadMe() {
    try {
      const me = await api('/api/users/me');
      const slot = document.querySelector('.navbar__user');
      if (slot) slot.textContent = me.full_name;
    } catch (_) {
      // The nav's user name is cosmetic.
    }
  }

  document.addEventListener('click', onClick);
  window.addEventListener('popstate', route);
  route();
  loadMe();
})();
