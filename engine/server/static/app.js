// decide-sql web page: asks through POST /api/ask/stream and renders the Answer.
// Every value from the server is put in the page as text (textContent), never as HTML.
"use strict";

const PAGE_SIZE = 10;
const NUMBER_TYPES = new Set(["int2", "int4", "int8", "numeric", "float4", "float8", "money", "oid"]);
const DATE_TYPES = new Set(["date", "timestamp", "timestamptz"]);
const TIME_NAME = /(^|_)(date|day|week|month|year|quarter|time|period)(_|$)/i;
const KEYWORDS = new Set(("select from where group by order having limit offset join left right inner outer full cross on as and or not in is null " +
  "distinct case when then else end with union all intersect except asc desc nulls first last between like ilike exists fetch rows only ties over partition").split(" "));

const state = { conversationId: null, token: sessionStorage.getItem("decide-sql-token") || "", busy: false, turns: 0, pending: null };
const $ = (sel, root = document) => root.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function headers() {
  const h = { "Content-Type": "application/json" };
  if (state.token) h["Authorization"] = "Bearer " + state.token;
  return h;
}

// ---- asking -------------------------------------------------------------------
async function ask(question) {
  if (state.busy || !question.trim()) return;
  state.busy = true;
  $("#ask").disabled = true;
  const turn = newTurn(question);
  const body = { question };
  if (state.conversationId) body.conversation_id = state.conversationId;
  try {
    const response = await fetch("/api/ask/stream", { method: "POST", headers: headers(), body: JSON.stringify(body) });
    if (response.status === 401) { needToken(question, turn); return; }
    if (!response.ok || !(response.headers.get("content-type") || "").startsWith("text/event-stream")) {
      const payload = await response.json().catch(() => ({ error: { code: "http_" + response.status, message: response.statusText } }));
      renderError(turn, payload.error || { code: "error", message: "HTTP " + response.status });
      return;
    }
    await readEvents(response, (name, data) => onEvent(turn, name, data));
  } catch (err) {
    renderError(turn, { code: "network_error", message: "the server could not be reached: " + err.message });
  } finally {
    state.busy = false;
    $("#ask").disabled = false;
    $(".waiting", turn).textContent = "";
  }
}

async function readEvents(response, handle) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (data) handle(name, JSON.parse(data));
    }
  }
}

function onEvent(turn, name, data) {
  const waiting = $(".waiting", turn);
  if (name === "queued") waiting.textContent = `Waiting for the model: position ${data.position} in the queue`;
  else if (name === "started") waiting.textContent = "Deciding…";
  else if (name === "decision") addTrace(turn, describeDecision(data), `${data.tokens.toLocaleString()} tokens · ${Math.round(data.ms)} ms`, "decision");
  else if (name === "attempt") addTrace(turn, "SQL " + (data.error ? `${data.stage}: ${data.error.code}` : data.stage), "", "attempt");
  else if (name === "answer") renderAnswer(turn, data);
  else if (name === "error") renderError(turn, data.error);
}

function describeDecision(d) {
  const o = d.output || {};
  if (d.program === "resolve_follow_up") return o.follow_up ? `resolve_follow_up: follow-up → “${o.question}”` : "resolve_follow_up: standalone";
  if (d.program === "select_tables") return `select_tables: ${[...(o.tables || []), ...(o.added || [])].join(", ")}${o.method === "all" ? " (all, no model call)" : ""}`;
  if (d.program === "choose_flow") return `choose_flow: ${o.flow}${o.reason ? " (" + o.reason + ")" : ""}`;
  return `${d.program}${o.sql ? ": " + o.sql : ""}`;
}

function addTrace(turn, text, cost, kind) {
  const li = el("li", { class: kind }, el("span", { text }));
  if (cost) li.append(" ", el("span", { class: "cost", text: "· " + cost }));
  $(".trace ol", turn).append(li);
}

function newTurn(question) {
  const node = $("#turn-template").content.firstElementChild.cloneNode(true);
  state.turns += 1;
  node.dataset.turn = String(state.turns);
  $(".asked", node).textContent = question;
  $(".waiting", node).textContent = "Sending…";
  $("#thread").append(node);
  node.scrollIntoView({ block: "end" });
  return node;
}

// ---- rendering the answer -----------------------------------------------------
function renderAnswer(turn, a) {
  if (a.conversation_id) state.conversationId = a.conversation_id;
  turn.dataset.status = a.status;
  const out = $(".outcome", turn);
  out.replaceChildren();
  const asked = $(".asked", turn).textContent;
  if (a.question && a.question !== asked) {
    const understood = $(".understood", turn);
    understood.textContent = "Understood as: " + a.question;
    understood.hidden = false;
  }
  $(".trace", turn).open = false;
  if (a.status === "refused") {
    out.append(el("div", { class: "refusal", role: "alert" }, el("strong", { text: "Refused: " }), el("span", { text: a.refusal_reason || (a.error && a.error.message) || "this read-only engine will not do that" })));
  } else if (a.status === "clarify" && a.clarification) {
    const options = el("div", { class: "options" });
    for (const option of a.clarification.options || []) options.append(el("button", { type: "button", text: option, onclick: () => ask(option) }));
    out.append(el("div", { class: "clarify" }, el("p", { text: a.clarification.question }), options));
  } else if (a.status === "error") {
    renderError(turn, a.error || { code: "error", message: "the question could not be answered" });
  }
  if (a.explanation && a.status === "ok") out.append(el("p", { class: "explanation", text: a.explanation }));
  if (a.sql) out.append(sqlBlock(a.sql));
  for (const doubt of a.doubts || []) out.append(el("p", { class: "doubt", text: "Doubt: " + doubt }));
  if (a.status === "ok" && a.columns && a.columns.length) {
    const chart = chartFor(a.columns, a.rows);
    if (chart) out.append(chart);
    out.append(resultTable(a.columns, a.rows, a.truncated));
  }
  const u = a.usage || {};
  const seconds = ((a.timings && a.timings.total) || 0) / 1000;
  out.append(el("p", { class: "footer muted", text: `${a.status} · ${a.row_count} rows · ${u.llm_calls || 0} LLM calls · ${(u.input_tokens || 0).toLocaleString()} in / ${(u.output_tokens || 0).toLocaleString()} out tokens · ${seconds.toFixed(1)} s · ${a.model || ""}` }));
}

function renderError(turn, error) {
  turn.dataset.status = turn.dataset.status || "error";
  $(".outcome", turn).append(el("div", { class: "error", role: "alert" }, el("strong", { text: `Error [${error.code}]: ` }), el("span", { text: error.message })));
}

function sqlBlock(sql) {
  const code = el("code");
  for (const [kind, text] of tokens(sql)) code.append(kind ? el("span", { class: "tok-" + kind, text }) : document.createTextNode(text));
  const copy = el("button", { type: "button", class: "copy", text: "Copy", onclick: () => copyText(sql, copy) });
  return el("div", { class: "sql" }, el("pre", {}, code), copy);
}

function tokens(sql) {
  const out = [];
  const re = /('(?:[^']|'')*')|("(?:[^"]|"")*")|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)(\s*\()?|(\s+|.)/gs;
  let m;
  while ((m = re.exec(sql)) !== null) {
    if (m[1]) out.push(["str", m[1]]);
    else if (m[2]) out.push([null, m[2]]);
    else if (m[3]) out.push(["num", m[3]]);
    else if (m[4]) {
      const word = m[4];
      if (KEYWORDS.has(word.toLowerCase())) out.push(["kw", word]);
      else if (m[5]) out.push(["fn", word]);
      else out.push([null, word]);
      if (m[5]) out.push([null, m[5]]);
    } else out.push([null, m[6]]);
  }
  return out;
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (_) {
    const area = el("textarea", {});
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = "Copy"; }, 1500);
}

// ---- the table: paged, sortable, CSV ----------------------------------------------
function resultTable(columns, rows, truncated) {
  const view = { rows: rows.slice(), page: 0, sortBy: -1, dir: 1 };
  const table = el("table", { class: "result" });
  const headRow = el("tr");
  columns.forEach((c, i) => headRow.append(el("th", { scope: "col", text: c.name, title: c.type, onclick: () => sortBy(i) })));
  table.append(el("thead", {}, headRow));
  const tbody = el("tbody");
  table.append(tbody);
  const info = el("span", { class: "muted page-info" });
  const prev = el("button", { type: "button", class: "prev", text: "‹ Previous", onclick: () => show(view.page - 1) });
  const next = el("button", { type: "button", class: "next", text: "Next ›", onclick: () => show(view.page + 1) });
  const pages = () => Math.max(1, Math.ceil(view.rows.length / PAGE_SIZE));
  const numeric = columns.map((c) => NUMBER_TYPES.has(c.type));

  function show(page) {
    view.page = Math.min(Math.max(0, page), pages() - 1);
    tbody.replaceChildren();
    for (const row of view.rows.slice(view.page * PAGE_SIZE, (view.page + 1) * PAGE_SIZE)) {
      const tr = el("tr");
      row.forEach((v, i) => tr.append(el("td", { class: v === null ? "null" : numeric[i] ? "num" : "", text: v === null ? "NULL" : typeof v === "object" ? JSON.stringify(v) : String(v) })));
      tbody.append(tr);
    }
    info.textContent = `rows ${view.rows.length ? view.page * PAGE_SIZE + 1 : 0}–${Math.min(view.rows.length, (view.page + 1) * PAGE_SIZE)} of ${view.rows.length}${truncated ? " (truncated)" : ""}`;
    prev.disabled = view.page === 0;
    next.disabled = view.page >= pages() - 1;
  }

  function sortBy(i) {
    view.dir = view.sortBy === i ? -view.dir : 1;
    view.sortBy = i;
    view.rows.sort((a, b) => compare(a[i], b[i], numeric[i]) * view.dir);
    headRow.querySelectorAll("th").forEach((th, j) => th.setAttribute("aria-sort", j === i ? (view.dir > 0 ? "ascending" : "descending") : "none"));
    show(0);
  }

  const csv = el("button", { type: "button", class: "csv", text: "Download CSV", onclick: () => download(toCsv(columns, rows), "decide-sql.csv") });
  show(0);
  return el("div", { class: "result-box" }, el("div", { class: "table-wrap" }, table), el("div", { class: "pager" }, prev, info, next, csv));
}

function compare(a, b, numeric) {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (numeric) return Number(a) - Number(b);
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

function toCsv(columns, rows) {
  const cell = (v) => {
    const s = v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  };
  return [columns.map((c) => cell(c.name)).join(","), ...rows.map((r) => r.map(cell).join(","))].join("\r\n") + "\r\n";
}

function download(text, name) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---- the chart: by the result's shape -------------------------------------------
// One label column and one or two number columns: bars; a date / month column and numbers: a line; else none.
function chartShape(columns, rows) {
  if (rows.length < 2 || rows.length > 200 || columns.length < 2 || columns.length > 3) return null;
  const isNum = columns.map((c) => NUMBER_TYPES.has(c.type));
  const isTime = columns.map((c) => DATE_TYPES.has(c.type) || TIME_NAME.test(c.name));
  let label = columns.findIndex((c, i) => !isNum[i]);
  if (label < 0) label = isTime.findIndex(Boolean);  // numbers only: a year or month number is the axis
  if (label < 0) return null;
  const values = columns.map((_, i) => i).filter((i) => i !== label);
  if (!values.every((i) => isNum[i])) return null;
  return { type: isTime[label] ? "line" : "bar", label, values };
}

function chartFor(columns, rows) {
  const shape = chartShape(columns, rows);
  if (!shape || typeof Chart === "undefined") return null;
  let data = rows;
  if (shape.type === "line") data = rows.slice().sort((a, b) => compare(a[shape.label], b[shape.label], false));
  const canvas = el("canvas", { class: "chart", "data-kind": shape.type, role: "img", "aria-label": `${shape.type} chart of ${shape.values.map((i) => columns[i].name).join(" and ")} by ${columns[shape.label].name}` });
  const box = el("div", { class: "chart-box" }, canvas);
  const colours = ["#2456c8", "#e07a1f"];
  // Chart.js measures its parent: build it once the box is in the page.
  requestAnimationFrame(() => new Chart(canvas, {
    type: shape.type,
    data: {
      labels: data.map((r) => (r[shape.label] === null ? "NULL" : String(r[shape.label]))),
      datasets: shape.values.map((i, k) => ({ label: columns[i].name, data: data.map((r) => (r[i] === null ? null : Number(r[i]))), backgroundColor: colours[k], borderColor: colours[k] })),
    },
    options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: shape.values.length > 1 } } },
  }));
  return box;
}

// ---- token, health, wiring ---------------------------------------------------------
function needToken(question, turn) {
  turn.remove();
  state.turns -= 1;
  state.pending = question;
  $("#token-form").hidden = false;
  $("#token").focus();
}

async function health() {
  try {
    const r = await fetch("/api/health", { headers: headers() });
    if (r.status === 401) { $("#token-form").hidden = false; return; }
    const h = await r.json();
    $("#health").textContent = `${h.model.name} · ${h.database.database} (${h.database.tables} tables)${h.database.reachable ? "" : " · database unreachable"}`;
  } catch (_) {
    $("#health").textContent = "server unreachable";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#ask-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = $("#question").value;
    $("#question").value = "";
    ask(q);
  });
  $("#question").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("#ask-form").requestSubmit(); }
  });
  $("#token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    state.token = $("#token").value.trim();
    sessionStorage.setItem("decide-sql-token", state.token);
    $("#token-form").hidden = true;
    health();
    if (state.pending) { const q = state.pending; state.pending = null; ask(q); }
  });
  $("#new-conversation").addEventListener("click", () => {
    state.conversationId = null;
    $("#thread").replaceChildren();
    state.turns = 0;
    $("#question").focus();
  });
  health();
});
