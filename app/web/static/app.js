/* The timeline page: reads only the public API (/api/v1/timeline with cursor paging,
   /api/v1/processes, /api/v1/actors, /api/v1/events/{id}) and draws each item on a time axis:
   beside each row of the list, and on a zoomable axis (axis-view.js, over the vendored
   vis-timeline). Plain JavaScript, no build step. All text from the API is inserted as text
   (never as HTML); ids and actor names in prose become links. */
"use strict";

(() => {
  const API = "api/v1";
  const PAGE_LIMIT = 100;
  const MAX_PAGES = 100;
  const DAY = 86400000;
  const FILTER_KEYS = ["process", "actor", "kind", "start", "end", "q", "top_level"];
  const PALETTE = ["#1f5fa8", "#a3461b", "#2e7d4f", "#7b3fa0", "#9a6b00", "#0f7c86", "#b0305c", "#4d5b6b"];

  const $ = (id) => document.getElementById(id);
  const els = {
    form: $("filters"),
    process: $("f-process"),
    actor: $("f-actor"),
    kind: $("f-kind"),
    start: $("f-start"),
    end: $("f-end"),
    q: $("f-q"),
    top: $("f-top"),
    status: $("status"),
    error: $("error"),
    layout: $("layout"),
    axisTrack: $("axis-track"),
    list: $("timeline-list"),
    details: $("details"),
    detailsBody: $("details-body"),
    detailsClose: $("details-close"),
    filtersToggle: $("filters-toggle"),
    processLegend: $("process-legend"),
    axisSection: $("axis-view-section"),
  };

  const state = {
    filters: {},
    items: [],
    loadToken: 0,
    processes: new Map(),
    actors: new Map(),
    openId: null,
    eventCache: new Map(),
    catalog: null,
    axis: null,
    prose: null,
  };

  /* ---------- small helpers ---------- */

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key === "style") {
        for (const [prop, v] of Object.entries(value)) el.style.setProperty(prop, v);
      }
      else if (key.startsWith("on") && typeof value === "function") {
        el.addEventListener(key.slice(2), value);
      } else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false || child === "") continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  const humanize = (text) => String(text || "").replace(/_/g, " ");
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  /** An item's process colour, by its place in PALETTE (the last for no process). */
  function paletteIndex(id) {
    if (!id) return PALETTE.length - 1;
    let hash = 0;
    for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
    return hash % PALETTE.length;
  }

  const colorFor = (id) => PALETTE[paletteIndex(id)];

  class ApiError extends Error {
    constructor(message, status, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  async function getJSON(path, params) {
    const url = new URL(path, document.baseURI);
    for (const [key, value] of Object.entries(params || {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
    }
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    let body = null;
    try {
      body = await response.json();
    } catch (_error) {
      body = null;
    }
    if (!response.ok) {
      const message = (body && (body.detail || body.title)) || `HTTP ${response.status}`;
      throw new ApiError(message, response.status, body);
    }
    return body;
  }

  /** Every page of a list, following next_cursor. */
  async function getAll(path, params, onPage) {
    let items = [];
    let cursor = null;
    let pages = 0;
    do {
      const page = await getJSON(path, { ...params, limit: PAGE_LIMIT, cursor });
      items = items.concat(page.items);
      cursor = page.next_cursor;
      pages += 1;
      if (onPage) onPage(items, cursor);
    } while (cursor && pages < MAX_PAGES);
    return { items, truncated: Boolean(cursor) };
  }

  function showError(message) {
    els.error.hidden = !message;
    els.error.textContent = message || "";
  }

  /* ---------- filters and the address bar ---------- */

  function filtersFromURL() {
    const params = new URLSearchParams(location.search);
    const filters = {};
    for (const key of FILTER_KEYS) {
      const value = params.get(key);
      if (value) filters[key] = value;
    }
    return filters;
  }

  function filtersFromForm() {
    const filters = {
      process: els.process.value,
      actor: els.actor.value,
      kind: els.kind.value,
      start: els.start.value.trim(),
      end: els.end.value.trim(),
      q: els.q.value.trim(),
      top_level: els.top.checked ? "true" : "",
    };
    for (const key of Object.keys(filters)) if (!filters[key]) delete filters[key];
    return filters;
  }

  function ensureOption(select, value, label) {
    if (!value || [...select.options].some((o) => o.value === value)) return;
    select.append(h("option", { value }, label || value));
  }

  function fillForm(filters) {
    ensureOption(els.process, filters.process);
    ensureOption(els.actor, filters.actor);
    ensureOption(els.kind, filters.kind, humanize(filters.kind));
    els.process.value = filters.process || "";
    els.actor.value = filters.actor || "";
    els.kind.value = filters.kind || "";
    els.start.value = filters.start || "";
    els.end.value = filters.end || "";
    els.q.value = filters.q || "";
    els.top.checked = filters.top_level === "true";
  }

  function urlFor(filters, eventId) {
    const params = new URLSearchParams();
    for (const key of FILTER_KEYS) if (filters[key]) params.set(key, filters[key]);
    const query = params.toString();
    return `${location.pathname}${query ? `?${query}` : ""}${eventId ? `#event=${encodeURIComponent(eventId)}` : ""}`;
  }

  function eventFromHash() {
    const match = /^#event=(.+)$/.exec(location.hash);
    return match ? decodeURIComponent(match[1]) : null;
  }

  const sameFilters = (a, b) => FILTER_KEYS.every((k) => (a[k] || "") === (b[k] || ""));

  function yearProblem(filters) {
    for (const key of ["start", "end"]) {
      if (filters[key] && !/^\d{4}$/.test(filters[key])) {
        return `The ${key === "start" ? "from" : "to"} year must have four digits, e.g. 2016.`;
      }
    }
    if (filters.start && filters.end && Number(filters.end) < Number(filters.start)) {
      return "The “to” year is before the “from” year.";
    }
    return null;
  }

  /* ---------- menus: processes, actors, kinds ---------- */

  function groupedOptions(select, rows, label) {
    const groups = new Map();
    for (const row of rows) {
      const kind = humanize(row.kind || "other");
      if (!groups.has(kind)) groups.set(kind, []);
      groups.get(kind).push(row);
    }
    const current = select.value;
    const keep = select.options[0];
    select.replaceChildren(keep);
    for (const kind of [...groups.keys()].sort()) {
      const rowsOfKind = groups.get(kind).sort((a, b) => label(a).localeCompare(label(b)));
      select.append(
        h("optgroup", { label: kind }, rowsOfKind.map((row) => h("option", { value: row.id }, label(row)))),
      );
    }
    ensureOption(select, current);
    select.value = current;
  }

  const nameWithAcronym = (row) =>
    row.acronym && row.acronym !== row.name ? `${row.name} (${row.acronym})` : row.name;

  async function loadMenus() {
    const [processes, actors] = await Promise.all([
      getAll(`${API}/processes`, {}),
      getAll(`${API}/actors`, {}),
    ]);
    for (const p of processes.items) state.processes.set(p.id, p);
    for (const a of actors.items) state.actors.set(a.id, a);
    groupedOptions(els.process, processes.items, nameWithAcronym);
    groupedOptions(els.actor, actors.items, nameWithAcronym);
  }

  function fillKinds(items) {
    const counts = new Map();
    for (const item of items) counts.set(item.kind, (counts.get(item.kind) || 0) + 1);
    const current = els.kind.value;
    const keep = els.kind.options[0];
    els.kind.replaceChildren(keep);
    for (const kind of [...counts.keys()].sort()) {
      els.kind.append(h("option", { value: kind }, `${humanize(kind)} (${counts.get(kind)})`));
    }
    ensureOption(els.kind, current, humanize(current));
    els.kind.value = current;
  }

  /** The whole timeline, unfiltered: for the kind menu and the default year range. */
  function catalog() {
    if (!state.catalog) state.catalog = getAll(`${API}/timeline`, {});
    return state.catalog;
  }

  /* ---------- the timeline ---------- */

  const isFiltered = (filters) => FILTER_KEYS.some((k) => filters[k]);

  async function loadTimeline(filters) {
    const token = ++state.loadToken;
    state.filters = filters;
    showError(null);
    const problem = yearProblem(filters);
    if (problem) {
      showError(problem);
      els.status.textContent = "The filters could not be applied.";
      return;
    }
    els.status.textContent = "Loading the timeline…";
    els.list.setAttribute("aria-busy", "true");
    try {
      const result = isFiltered(filters)
        ? await getAll(`${API}/timeline`, filters, (items) => {
            if (token === state.loadToken) els.status.textContent = `Loading… ${plural(items.length, "item")} so far`;
          })
        : await catalog();
      if (token !== state.loadToken) return;
      state.items = result.items;
      render(result);
    } catch (error) {
      if (token !== state.loadToken) return;
      state.items = [];
      render({ items: [], truncated: false });
      showError(`The timeline could not be loaded: ${error.message}`);
      els.status.textContent = "The timeline could not be loaded.";
    } finally {
      if (token === state.loadToken) els.list.removeAttribute("aria-busy");
    }
  }

  function describeFilters(filters) {
    const parts = [];
    if (filters.process) parts.push(`process ${state.processes.get(filters.process)?.name || filters.process}`);
    if (filters.actor) parts.push(`actor ${state.actors.get(filters.actor)?.name || filters.actor}`);
    if (filters.kind) parts.push(`kind ${humanize(filters.kind)}`);
    if (filters.start || filters.end) parts.push(`years ${filters.start || "…"}–${filters.end || "…"}`);
    if (filters.q) parts.push(`words “${filters.q}”`);
    if (filters.top_level) parts.push("without sessions");
    return parts.join(", ");
  }

  const toTime = (iso) => Date.parse(`${iso}T00:00:00Z`);

  function domainFor(items, filters) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const item of items) {
      if (!item.date || !item.date.start || !item.date.end) continue;
      lo = Math.min(lo, new Date(toTime(item.date.start)).getUTCFullYear());
      hi = Math.max(hi, new Date(toTime(item.date.end)).getUTCFullYear());
    }
    if (filters.start) lo = Number(filters.start);
    if (filters.end) hi = Number(filters.end);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
    if (hi < lo) hi = lo;
    return { firstYear: lo, lastYear: hi, from: Date.UTC(lo, 0, 1), to: Date.UTC(hi + 1, 0, 1) };
  }

  function processLabel(ref) {
    const known = state.processes.get(ref.id);
    return (known && known.acronym) || ref.name;
  }

  function ticksFor(domain) {
    const span = domain.lastYear - domain.firstYear + 1;
    const width = els.axisTrack.clientWidth || 600;
    const most = Math.max(2, Math.min(12, Math.floor(width / 56)));
    const step = [1, 2, 5, 10, 20, 25, 50, 100].find((s) => span / s <= most) || 100;
    state.tickStep = step;
    const ticks = [];
    for (let y = Math.ceil(domain.firstYear / step) * step; y <= domain.lastYear; y += step) {
      ticks.push({ year: y, at: ((Date.UTC(y, 0, 1) - domain.from) / (domain.to - domain.from)) * 100 });
    }
    return ticks;
  }

  function renderAxis(domain, ticks) {
    els.axisTrack.replaceChildren(
      ...ticks.map((t) => h("span", { class: "tick-label", style: { left: `${t.at}%` } }, String(t.year))),
    );
    els.axisTrack.parentElement.hidden = !domain;
  }

  /** How an item's date is drawn: a point for a day, a bar for anything longer. */
  function shapeOf(date, domain) {
    const start = toTime(date.start);
    const end = toTime(date.end) + DAY;
    const span = domain.to - domain.from;
    const point = date.precision === "day" && end - start <= 31 * DAY;
    const clippedStart = Math.max(start, domain.from);
    const clippedEnd = Math.min(end, domain.to);
    return {
      point,
      left: ((clippedStart - domain.from) / span) * 100,
      width: (Math.max(0, clippedEnd - clippedStart) / span) * 100,
      mid: (((start + end) / 2 - domain.from) / span) * 100,
      clippedLeft: start < domain.from,
      clippedRight: end > domain.to,
    };
  }

  function dateWords(date) {
    const parts = [];
    if (date.precision === "day" && date.start === date.end) parts.push("a single day");
    else parts.push(`${date.precision} precision, from ${date.start} to ${date.end}`);
    if (date.approximate) parts.push("approximate");
    if (date.uncertain) parts.push("uncertain");
    return parts.join(", ");
  }

  function rowFor(item, domain, ticks, index) {
    const date = item.date;
    const vague = date.approximate || date.uncertain;
    const notHeld = item.status !== "held";
    const color = colorFor(item.process && item.process.id);
    let mark = null;
    if (domain && date.start && date.end) {
      const shape = shapeOf(date, domain);
      const classes = ["mark", shape.point ? "point" : "bar", vague ? "vague" : "", notHeld ? "not-held" : ""]
        .filter(Boolean)
        .join(" ");
      mark = shape.point
        ? h("span", { class: classes, style: { left: `${shape.mid}%`, "--c": color } })
        : h("span", {
            class: `${classes}${shape.clippedLeft ? " clip-left" : ""}${shape.clippedRight ? " clip-right" : ""}`,
            style: { left: `${shape.left}%`, width: `${shape.width}%`, "--c": color },
          });
      if (vague) {
        const at = shape.point ? shape.mid : shape.left + shape.width;
        mark = [mark, h("span", { class: "vague-flag", style: { left: `${at}%` } }, date.uncertain ? "?" : "~")];
      }
    }
    const meta = [
      h("span", { class: "kind" }, humanize(item.kind)),
      item.process ? h("span", { class: "process", title: item.process.name }, processLabel(item.process)) : null,
      notHeld ? h("span", { class: "badge state" }, item.status) : null,
      item.disputes.length ? h("span", { class: "badge disputed" }, plural(item.disputes.length, "dispute")) : null,
    ];
    const button = h(
      "button",
      {
        type: "button",
        class: "row",
        "data-id": item.id,
        "data-index": String(index),
        tabindex: "-1",
        "aria-controls": "details",
        onclick: () => openEvent(item.id, { push: true, focus: true }),
      },
      h("span", { class: "cell-date" }, date.display),
      h("span", { class: "cell-title" }, h("span", { class: "title", title: item.title }, item.title), h("span", { class: "meta" }, meta)),
      h(
        "span",
        { class: "cell-track", "aria-hidden": "true" },
        ticks.map((t) => h("span", { class: "gridline", style: { left: `${t.at}%` } })),
        mark,
      ),
      h("span", { class: "visually-hidden" }, `. Date: ${dateWords(date)}.`),
    );
    return h("li", { "data-process": item.process ? item.process.id : "" }, button);
  }

  /** Draw again (after a resize, or once the menus are known), keeping focus where it was. */
  function rerender() {
    if (!state.result) return;
    const focused = document.activeElement;
    const focusedId = focused && focused.classList.contains("row") ? focused.dataset.id : null;
    render(state.result);
    const again = focusedId && rowButtons().find((b) => b.dataset.id === focusedId);
    if (again) {
      for (const b of rowButtons()) b.tabIndex = -1;
      again.tabIndex = 0;
      again.focus({ preventScroll: true });
    }
  }

  function render(result) {
    state.result = result;
    const { items } = result;
    const domain = domainFor(items, state.filters);
    const ticks = domain ? ticksFor(domain) : [];
    renderAxis(domain, ticks);
    els.list.replaceChildren(...items.map((item, i) => rowFor(item, domain, ticks, i)));
    renderProcessLegend(items);
    if (state.axis) {
      els.axisSection.hidden = !items.length;
      state.axis.show(items);
      state.axis.select(state.openId);
    }
    const rows = els.list.querySelectorAll("button.row");
    if (rows.length) rows[0].tabIndex = 0;
    markCurrent();
    const filterText = describeFilters(state.filters);
    let message = items.length
      ? `Showing ${plural(items.length, "item")}${domain ? `, ${domain.firstYear}–${domain.lastYear}` : ""}`
      : "No items match these filters";
    if (filterText) message += ` (${filterText})`;
    if (result.truncated) message += "; more are available: narrow the filters to see them";
    if (els.status.textContent !== `${message}.`) els.status.textContent = `${message}.`;
  }

  function renderProcessLegend(items) {
    const shown = new Map();
    for (const item of items) {
      const id = item.process ? item.process.id : "";
      if (!shown.has(id)) shown.set(id, item.process ? item.process.name : "No process");
    }
    els.processLegend.replaceChildren(
      ...[...shown].map(([id, label]) =>
        h(
          "li",
          { class: "legend-item" },
          h("span", { class: "swatch", "aria-hidden": "true", style: { "--c": colorFor(id) } }),
          label,
        ),
      ),
    );
  }

  function rowButtons() {
    return [...els.list.querySelectorAll("button.row")];
  }

  function markCurrent() {
    for (const button of rowButtons()) {
      if (button.dataset.id === state.openId) {
        button.setAttribute("aria-current", "true");
        for (const other of rowButtons()) other.tabIndex = -1;
        button.tabIndex = 0;
      } else button.removeAttribute("aria-current");
    }
  }

  els.list.addEventListener("keydown", (event) => {
    const buttons = rowButtons();
    const index = buttons.indexOf(document.activeElement);
    if (index < 0) return;
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 };
    let next = null;
    if (event.key in moves) next = Math.min(buttons.length - 1, Math.max(0, index + moves[event.key]));
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = buttons.length - 1;
    if (next === null) return;
    event.preventDefault();
    buttons[index].tabIndex = -1;
    buttons[next].tabIndex = 0;
    buttons[next].focus();
  });

  /* ---------- details of one item ---------- */

  function citationList(citations) {
    if (!citations || !citations.length) return h("p", { class: "muted" }, "No citation given.");
    return h(
      "ol",
      { class: "citations" },
      citations.map((c) =>
        h(
          "li",
          { class: "citation" },
          h(
            "figure",
            {},
            c.quote ? h("blockquote", {}, `“${c.quote}”`) : null,
            h(
              "figcaption",
              {},
              "— ",
              h("cite", { class: "source-title" }, c.source.title),
              c.source.symbol ? [" (", h("span", { class: "symbol" }, c.source.symbol), ")"] : null,
              c.locator ? [", ", h("span", { class: "locator" }, c.locator)] : null,
              c.source.url
                ? [" · ", h("a", { href: c.source.url, rel: "noopener noreferrer", target: "_blank" }, "official page", h("span", { class: "visually-hidden" }, " (opens in a new tab)"))]
                : null,
            ),
          ),
          c.note ? h("p", { class: "note" }, prose(c.note)) : null,
        ),
      ),
    );
  }

  function evidence(citations, label) {
    if (!citations || !citations.length) return null;
    return h("details", { class: "evidence" }, h("summary", {}, `${label || "Evidence"} (${citations.length})`), citationList(citations));
  }

  function eventLink(ref, extra) {
    return h(
      "a",
      {
        href: `#event=${encodeURIComponent(ref.id)}`,
        onclick: (event) => {
          event.preventDefault();
          openEvent(ref.id, { push: true, focus: true });
        },
      },
      ref.name || ref.title || ref.id,
      extra ? ` ${extra}` : "",
    );
  }

  /* ---------- ids and names in prose become links ---------- */

  const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  /** What prose may name: actor names and acronyms, and ids of actors, processes and items
      (only ids with a hyphen or a digit, which no ordinary word is). Built once the menus and
      the catalog are loaded; until then prose stays plain text. */
  function proseTargets(events) {
    const targets = new Map();
    const add = (token, target) => {
      if (token && token.length > 2 && !targets.has(token)) targets.set(token, target);
    };
    const slug = (id) => /[-\d]/.test(id);
    for (const e of events) if (slug(e.id)) add(e.id, { kind: "event", id: e.id, name: e.title });
    for (const a of state.actors.values()) {
      const target = { kind: "actor", id: a.id, name: a.name };
      add(a.name, target);
      if (a.acronym && a.acronym !== a.name) add(a.acronym, target);
      if (slug(a.id)) add(a.id, target);
    }
    for (const p of state.processes.values()) if (slug(p.id)) add(p.id, { kind: "process", id: p.id, name: p.name });
    if (!targets.size) return null;
    const tokens = [...targets.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    return { targets, pattern: new RegExp(`(?<![\\p{L}\\p{N}-])(?:${tokens.join("|")})(?![\\p{L}\\p{N}-])`, "gu") };
  }

  function proseLink(text, target) {
    if (target.kind === "event") return eventLink({ id: target.id, name: text });
    const filter = { [target.kind]: target.id };
    return h(
      "a",
      {
        href: urlFor(filter, null),
        title: `${target.name}: show its items`,
        onclick: (event) => {
          event.preventDefault();
          applyFilters(filter);
        },
      },
      text,
    );
  }

  /** ``text`` as nodes, with each id or actor name it holds a link. */
  function prose(text) {
    if (!text || !state.prose) return text;
    const parts = [];
    let last = 0;
    for (const match of text.matchAll(state.prose.pattern)) {
      parts.push(text.slice(last, match.index), proseLink(match[0], state.prose.targets.get(match[0])));
      last = match.index + match[0].length;
    }
    parts.push(text.slice(last));
    return parts;
  }

  function section(title, id, ...content) {
    return h("section", { class: "detail-section", "aria-labelledby": id }, h("h3", { id }, title), content);
  }

  function definition(term, ...value) {
    const parts = value.flat().filter((v) => v !== null && v !== undefined && v !== "");
    return parts.length ? [h("dt", {}, term), h("dd", {}, parts)] : [];
  }

  function placeText(place) {
    if (!place) return null;
    return [place.venue, place.city, place.country && place.country.name, place.format && humanize(place.format)]
      .filter(Boolean)
      .join(", ");
  }

  function renderEvent(e) {
    const d = e.date;
    const bounds = d.start === d.end ? d.start : `${d.start} to ${d.end}`;
    const flags = [d.approximate ? "approximate" : null, d.uncertain ? "uncertain" : null, d.qualifier ? `“${d.qualifier}”` : null].filter(Boolean);
    const body = [
      h("p", { class: "eyebrow" }, humanize(e.kind), e.status !== "held" ? ` · ${e.status}` : ""),
      h("h2", { id: "details-title", tabindex: "-1" }, e.title),
      h(
        "p",
        { class: "when" },
        h("strong", {}, d.display),
        " ",
        h("span", { class: "muted" }, `(${d.precision} precision${flags.length ? `, ${flags.join(", ")}` : ""}; EDTF `, h("code", {}, d.edtf), `; ${bounds})`),
      ),
      h(
        "dl",
        { class: "facts" },
        definition(
          "Process",
          e.process
            ? [
                e.process.name,
                " ",
                h(
                  "button",
                  { type: "button", class: "link-button", onclick: () => applyFilters({ process: e.process.id }) },
                  "show only this process",
                ),
              ]
            : null,
        ),
        definition("Part of", e.parent ? eventLink(e.parent) : null),
        definition("Held as", e.held_as ? eventLink(e.held_as) : null),
        definition("Place", placeText(e.place)),
        definition("Themes", (e.themes || []).map((t) => h("span", { class: "chip" }, t.name))),
      ),
      e.description ? h("p", { class: "description" }, prose(e.description)) : null,
      section(`Sources (${e.citations.length})`, "d-sources", citationList(e.citations)),
    ];
    if (e.disputes && e.disputes.length) {
      body.push(
        section(
          `Disputes (${e.disputes.length})`,
          "d-disputes",
          e.disputes.map((dispute) =>
            h(
              "article",
              { class: "dispute" },
              h("h4", {}, dispute.question),
              h("p", { class: "muted" }, "About: ", h("code", {}, dispute.field)),
              h(
                "ul",
                { class: "claims" },
                dispute.claims.map((claim) =>
                  h(
                    "li",
                    { class: claim.followed ? "claim followed" : "claim" },
                    h("span", { class: "badge" }, claim.followed ? "followed by the dataset" : "not followed"),
                    " ",
                    prose(claim.claim),
                    citationList(claim.citations),
                  ),
                ),
              ),
              h("p", { class: "resolution" }, h("strong", {}, "Resolution: "), prose(dispute.resolution)),
            ),
          ),
        ),
      );
    }
    if (e.actors && e.actors.length) {
      body.push(
        section(
          `Participants (${e.actors.length})`,
          "d-participants",
          h(
            "ul",
            { class: "participants" },
            e.actors.map((p) =>
              h(
                "li",
                {},
                h("strong", {}, p.actor.name),
                ` — ${humanize(p.role)}`,
                p.on_behalf_of ? `, on behalf of ${p.on_behalf_of.name}` : "",
                p.capacity ? ` (${p.capacity})` : "",
                p.statement ? h("blockquote", { class: "statement" }, prose(p.statement)) : null,
                evidence(p.citations),
              ),
            ),
          ),
        ),
      );
    }
    const listOf = (rows, title, id) =>
      rows && rows.length
        ? section(
            `${title} (${rows.length})`,
            id,
            h("ul", { class: "linked" }, rows.map((r) => h("li", {}, r.date ? `${r.date.display}: ` : "", eventLink({ id: r.id, name: r.title })))),
          )
        : null;
    body.push(listOf(e.sessions, "Sessions", "d-sessions"));
    body.push(listOf(e.announcements, "Announced or planned as", "d-announcements"));
    if (e.outcome_documents && e.outcome_documents.length) {
      body.push(
        section(
          "Outcome documents",
          "d-outcomes",
          h("ul", {}, e.outcome_documents.map((o) => h("li", {}, o.name, h("span", { class: "muted" }, ` (${humanize(o.relation)})`)))),
        ),
      );
    }
    if (e.figures && e.figures.length) {
      body.push(
        section(
          "Figures",
          "d-figures",
          h("ul", { class: "figures" }, e.figures.map((f) => h("li", {}, prose(f.statement), f.date ? h("span", { class: "muted" }, ` (${f.date.display})`) : null, evidence(f.citations)))),
        ),
      );
    }
    body.push(h("p", { class: "api-link" }, h("a", { href: `${API}/events/${encodeURIComponent(e.id)}` }, "This item as JSON")));
    els.detailsBody.replaceChildren(...body.filter(Boolean));
  }

  async function openEvent(id, { push = false, focus = false } = {}) {
    state.openId = id;
    markCurrent();
    if (state.axis) state.axis.select(id, { reveal: true });
    if (push && eventFromHash() !== id) history.pushState({ event: id }, "", urlFor(state.filters, id));
    els.details.hidden = false;
    els.layout.classList.add("has-details");
    els.detailsBody.replaceChildren(h("p", { class: "muted", id: "details-title", tabindex: "-1" }, "Loading…"));
    try {
      let detail = state.eventCache.get(id);
      if (!detail) {
        detail = await getJSON(`${API}/events/${encodeURIComponent(id)}`);
        state.eventCache.set(id, detail);
      }
      if (state.openId !== id) return;
      renderEvent(detail);
      document.title = `${detail.title} – Migration Governance Timeline`;
    } catch (error) {
      if (state.openId !== id) return;
      els.detailsBody.replaceChildren(
        h("h2", { id: "details-title", tabindex: "-1" }, "Item not available"),
        h("p", { role: "alert" }, error.message),
      );
    }
    els.details.scrollTop = 0;
    if (focus) $("details-title").focus();
  }

  function closeEvent({ push = true, focus = true } = {}) {
    const id = state.openId;
    state.openId = null;
    els.details.hidden = true;
    els.layout.classList.remove("has-details");
    document.title = "Migration Governance Timeline";
    markCurrent();
    if (state.axis) state.axis.select(null);
    if (push && eventFromHash()) history.pushState({}, "", urlFor(state.filters, null));
    if (focus) {
      const row = rowButtons().find((b) => b.dataset.id === id);
      (row || els.list).focus();
    }
  }

  els.detailsClose.addEventListener("click", () => closeEvent());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !els.details.hidden) {
      event.preventDefault();
      closeEvent();
    }
  });

  /* ---------- wiring ---------- */

  function applyFilters(filters) {
    fillForm(filters);
    if (sameFilters(filters, state.filters)) return;
    history.replaceState(history.state, "", urlFor(filters, eventFromHash()));
    loadTimeline(filters);
  }

  els.filtersToggle.addEventListener("click", () => {
    const open = els.filtersToggle.getAttribute("aria-expanded") !== "true";
    els.filtersToggle.setAttribute("aria-expanded", String(open));
    if (open) els.process.focus();
  });

  els.form.addEventListener("submit", (event) => {
    event.preventDefault();
    applyFilters(filtersFromForm());
  });
  els.form.addEventListener("change", (event) => {
    if (event.target === els.q) return; // words apply on Enter or with the Apply button
    applyFilters(filtersFromForm());
  });
  els.form.addEventListener("reset", () => {
    setTimeout(() => applyFilters({}), 0);
  });

  window.addEventListener("popstate", () => {
    const filters = filtersFromURL();
    if (!sameFilters(filters, state.filters)) {
      fillForm(filters);
      loadTimeline(filters);
    }
    const id = eventFromHash();
    if (id && id !== state.openId) openEvent(id);
    else if (!id && state.openId) closeEvent({ push: false, focus: false });
  });

  let lastWidth = 0;
  new ResizeObserver(() => {
    const width = els.axisTrack.clientWidth;
    if (!width || Math.abs(width - lastWidth) < 40) return;
    lastWidth = width;
    const before = state.tickStep;
    const domain = state.result && domainFor(state.result.items, state.filters);
    if (domain) {
      ticksFor(domain);
      if (state.tickStep !== before) rerender();
    }
  }).observe(els.axisTrack);

  function startAxis() {
    state.axis = window.AxisView
      ? window.AxisView.create($("axis-view"), {
          paletteIndex,
          onOpen: (id) => openEvent(id, { push: true, focus: true }),
        })
      : null;
    if (!state.axis) return;
    const buttons = { earlier: "axis-earlier", later: "axis-later", zoomIn: "axis-zoom-in", zoomOut: "axis-zoom-out", fit: "axis-fit" };
    for (const [action, id] of Object.entries(buttons)) $(id).addEventListener("click", () => state.axis[action]());
  }

  async function start() {
    startAxis();
    const filters = filtersFromURL();
    fillForm(filters);
    const menus = loadMenus().catch((error) => showError(`The filter menus could not be loaded: ${error.message}`));
    const kinds = catalog()
      .then((result) => fillKinds(result.items))
      .catch(() => {});
    await loadTimeline(filters);
    await Promise.all([menus, kinds]);
    state.prose = proseTargets((await catalog().catch(() => ({ items: [] }))).items);
    fillForm(state.filters);
    rerender();
    const id = eventFromHash();
    if (id) openEvent(id);
    document.documentElement.dataset.ready = "true";
  }

  start();
})();
