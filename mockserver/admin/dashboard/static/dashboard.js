// wiro-mock dashboard: swaps server-rendered fragments in; live updates over one WebSocket.
// No framework, no build step. Every URL carries the admin token the page was opened with.
"use strict";
(function () {
  const body = document.body;
  const ROOT = body.dataset.root;
  const TOKEN = body.dataset.token;
  const PAGE_SIZE = Number(body.dataset.pageSize) || 50;
  const MAX_ROWS = 200; // journal rows kept in the DOM while live rows arrive
  const $ = (sel, el) => (el || document).querySelector(sel);
  const $$ = (sel, el) => Array.from((el || document).querySelectorAll(sel));

  function url(path, params) {
    const u = new URL(ROOT + path, location.href);
    for (const [k, v] of Object.entries(params || {})) if (v !== "" && v != null) u.searchParams.set(k, v);
    if (TOKEN) u.searchParams.set("token", TOKEN);
    return u.toString();
  }
  async function call(method, path, opts) {
    const init = Object.assign({ method: method, headers: {} }, opts || {});
    if (init.json !== undefined) {
      init.body = JSON.stringify(init.json);
      init.headers["content-type"] = "application/json";
    }
    const target = path.startsWith("/__mock__/") ? adminUrl(path) : url(path, init.params);
    return fetch(target, init);
  }
  function adminUrl(path) { // the admin API (/__mock__/...), reused for the controls
    const u = new URL(path, location.href);
    if (TOKEN) u.searchParams.set("token", TOKEN);
    return u.toString();
  }
  function fragment(html) {
    const t = document.createElement("template");
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  // -- tabs --------------------------------------------------------------------------------
  $$(".tabs [data-tab]").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  function showTab(name) {
    $$(".tabs [data-tab]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === name)));
    $$("section.tab").forEach((s) => (s.hidden = s.id !== "tab-" + name));
  }

  // -- board -------------------------------------------------------------------------------
  const boardEl = $(".board");
  const panel = $(".panel");
  const boardFilters = $(".board-filters");
  let boardPage = 0;
  let openTask = null;

  function boardFilter() {
    return { status: boardFilters.status.value, model: boardFilters.model.value };
  }
  function isHead() { const ol = $("ol.cards", boardEl); return !!ol && ol.dataset.head === "true"; }
  function shownIds() { return $$("ol.cards > li.card", boardEl).map((li) => li.dataset.id); }

  async function loadBoard(page) {
    boardPage = page == null ? boardPage : page;
    const r = await call("GET", "/board", { params: Object.assign({ page: boardPage }, boardFilter()) });
    const data = await r.json();
    boardEl.innerHTML = data.html;
    watch();
  }
  boardFilters.addEventListener("change", () => loadBoard(0));
  boardEl.addEventListener("click", (ev) => {
    const pager = ev.target.closest(".pager button[data-page]");
    if (pager) return loadBoard(Number(pager.dataset.page));
    const card = ev.target.closest("li.card");
    if (card) openDetail(card.dataset.id);
  });
  boardEl.addEventListener("keydown", (ev) => {
    const card = ev.target.closest("li.card");
    if (card && ev.key === "Enter") openDetail(card.dataset.id);
  });

  async function openDetail(id) {
    openTask = id;
    const r = await call("GET", "/tasks/" + encodeURIComponent(id));
    if (openTask !== id) return;
    panel.innerHTML = r.ok ? await r.text() : "<p>Task " + id + " is gone.</p>";
    panel.hidden = false;
    $$("li.card.open", boardEl).forEach((c) => c.classList.remove("open"));
    const card = document.getElementById("task-" + id);
    if (card) card.classList.add("open");
  }
  panel.addEventListener("click", (ev) => {
    if (ev.target.closest(".close")) { panel.hidden = true; openTask = null; }
  });

  function matchesBoard(card) {
    const f = boardFilter();
    if (f.model && card.model !== f.model) return false;
    if (!f.status) return true;
    if (f.status === "live") return card.state === "live";
    if (f.status === "succeeded" || f.status === "failed") return card.state === f.status;
    return card.status === f.status;
  }

  function applyCards(msg) {
    let list = $("ol.cards", boardEl);
    let added = false;
    let addedCount = 0;
    for (const c of msg.cards) {
      const old = document.getElementById("task-" + c.id);
      if (old) {
        const el = fragment(c.html);
        if (old.classList.contains("open")) el.classList.add("open");
        old.replaceWith(el);
      } else if (c.new && list && list.dataset.head === "true" && matchesBoard(c)) {
        $(".empty", boardEl)?.remove();
        list.prepend(fragment(c.html));
        added = true;
        addedCount += 1;
      }
      if (c.id === openTask) openDetail(c.id);
    }
    if (list) {
      const cards = $$("li.card", list);
      cards.slice(PAGE_SIZE).forEach((el) => el.remove());
    }
    const total = $(".pager .total", boardEl);
    if (total) total.textContent = msg.total;
    const matched = $(".pager .matched", boardEl);
    const f = boardFilter();
    if (matched && !f.status && !f.model) matched.textContent = msg.total;
    else if (matched && added) matched.textContent = Number(matched.textContent) + addedCount;
    if (added) watch();
  }

  // -- journal -----------------------------------------------------------------------------
  const journalEl = $(".journal");
  const journalFilters = $(".journal-filters");
  function journalFilter() {
    return { model: journalFilters.model.value, status: journalFilters.status.value, q: journalFilters.q.value };
  }
  function lastJournalId() { const ol = $("ol.rows", journalEl); return ol ? Number(ol.dataset.lastId) : 0; }
  async function loadJournal(before) {
    const params = Object.assign({ before: before || "" }, journalFilter());
    const r = await call("GET", "/journal", { params: params });
    const data = await r.json();
    if (before) {
      const more = fragment("<div>" + data.html + "</div>");
      $("button.older", journalEl)?.remove();
      $("ol.rows", journalEl).append(...$$("ol.rows > li", more));
      const older = $("button.older", more);
      if (older) journalEl.append(older);
    } else {
      journalEl.innerHTML = data.html;
      watch();
    }
  }
  let typing = null;
  journalFilters.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(() => loadJournal(), 150); });
  journalFilters.addEventListener("submit", (ev) => ev.preventDefault());
  journalEl.addEventListener("click", (ev) => {
    const older = ev.target.closest("button.older");
    if (older) loadJournal(Number(older.dataset.before));
  });
  function matchesJournal(row) {
    const f = journalFilter();
    if (f.model && row.model !== f.model) return false;
    if (f.status && (f.status.endsWith("xx") ? row.status_class !== "s" + f.status : row.status !== f.status)) return false;
    return !f.q || row.search.includes(f.q.trim().toLowerCase());
  }
  function applyRows(msg) {
    if (msg.gap) return loadJournal();
    const list = $("ol.rows", journalEl);
    if (!list) return;
    for (const row of msg.rows) {
      if (document.getElementById("entry-" + row.id) || !matchesJournal(row)) continue;
      $(".empty", journalEl)?.remove();
      list.prepend(fragment(row.html));
    }
    list.dataset.lastId = String(msg.last_id);
    $$("li.row", list).slice(MAX_ROWS).forEach((el) => el.remove());
  }

  // -- controls ----------------------------------------------------------------------------
  const controlsEl = $(".controls");
  async function loadControls() {
    const r = await call("GET", "/controls");
    controlsEl.innerHTML = await r.text();
  }
  controlsEl.addEventListener("click", async (ev) => {
    if (ev.target.closest("button.reset")) {
      await call("POST", "/__mock__/reset");
      await Promise.all([loadControls(), loadBoard(0), loadJournal()]);
      panel.hidden = true;
      openTask = null;
    } else if (ev.target.closest("button.advance")) {
      const seconds = Number($(".advance-seconds", controlsEl).value) || 0;
      await call("POST", "/__mock__/clock/advance", { json: { seconds: seconds } });
      await loadControls();
    }
  });
  controlsEl.addEventListener("change", async (ev) => {
    const t = ev.target;
    if (t.matches(".clock-select")) {
      await call("POST", "/__mock__/clock", { json: { mode: t.value } });
      await loadControls();
    } else if (t.matches("input[data-fault]")) {
      await call("POST", "/faults/" + encodeURIComponent(t.dataset.fault) + "/toggle");
      await loadControls();
    }
  });
  controlsEl.addEventListener("submit", async (ev) => {
    if (!ev.target.matches(".add-fault")) return;
    ev.preventDefault();
    let rule;
    try { rule = JSON.parse(ev.target.rule.value); } catch (e) { ev.target.rule.setCustomValidity("not JSON"); ev.target.reportValidity(); return; }
    const r = await call("POST", "/__mock__/faults", { json: rule });
    if (!r.ok) { ev.target.rule.setCustomValidity((await r.json()).errors?.[0]?.message || "rejected"); ev.target.reportValidity(); return; }
    await loadControls();
  });

  // -- model forms -------------------------------------------------------------------------
  $$("form.run-form").forEach((form) => form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = $(".run-result", form);
    const data = new FormData();
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.type === "checkbox") data.append(el.name, el.checked ? "true" : "false");
      else if (el.type === "file") for (const f of el.files) data.append(el.name, f, f.name);
      else if (el.multiple) for (const o of el.selectedOptions) data.append(el.name, o.value);
      else if (el.value !== "") data.append(el.name, el.value);
    }
    out.textContent = "running…";
    const path = "/run/" + encodeURIComponent(form.dataset.owner) + "/" + encodeURIComponent(form.dataset.project);
    const r = await call("POST", path, { body: data });
    const reply = await r.json();
    if (reply.result) {
      out.innerHTML = "";
      const a = document.createElement("a");
      a.href = "#task-" + reply.taskid;
      a.className = "task-link";
      a.textContent = "task #" + reply.taskid + " created";
      a.addEventListener("click", (e) => { e.preventDefault(); showTab("tasks"); openDetail(reply.taskid); });
      out.append(a);
    } else {
      out.textContent = "HTTP " + r.status + ": " + (reply.errors || []).map((e) => e.message).join("; ");
    }
  }));

  // -- live feed ---------------------------------------------------------------------------
  const liveState = $(".live-state");
  let socket = null;
  let retry = 250;
  function watch() {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const ids = shownIds();
    const newest = Math.max(0, ...ids.map(Number));
    socket.send(JSON.stringify({ type: "watch", ids: ids, head: isHead(), newest: newest, journal: lastJournalId() }));
  }
  function connect() {
    const u = new URL(url("/live"));
    u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(u.toString());
    socket.addEventListener("open", () => { retry = 250; liveState.textContent = "live"; liveState.className = "live-state on"; watch(); });
    socket.addEventListener("message", (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.type === "tasks") applyCards(msg);
      else if (msg.type === "journal") applyRows(msg);
      else if (msg.type === "reset") { loadBoard(0); loadJournal(); loadControls(); }
    });
    socket.addEventListener("close", () => {
      liveState.textContent = "reconnecting…";
      liveState.className = "live-state off";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 5000);
    });
  }
  connect();
  const linked = /^#task-(\d+)$/.exec(location.hash); // a link to one task opens its detail
  if (linked) openDetail(linked[1]);
})();
