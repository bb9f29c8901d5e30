/* The operator console: plain browser JavaScript against the product's own API (no build
 * step). The token lives in sessionStorage for this tab only; live updates come over the
 * WebSocket API (token in the first message, since browsers cannot set headers on a
 * WebSocket or an EventSource). */
"use strict";

const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem("cs_token"), ws: null, item: null, charts: {} };

function say(text) { $("live").textContent = text; }

async function api(method, path, body) {
  const headers = { "Authorization": "Bearer " + state.token };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await r.json().catch(() => null);
  if (r.status === 401) signOut("Your session ended: sign in again.");
  if (!r.ok) throw new Error((json && (json.message || (json.error && json.error.message) || json.detail)) || ("HTTP " + r.status));
  return json;
}

/* ---- sign in ---- */

async function signIn(ev) {
  ev.preventDefault();
  $("signin-error").textContent = "";
  const u = $("username").value.trim(), p = $("password").value;
  const k = $("api_key").value.trim(), s = $("api_secret").value;
  try {
    let token;
    if (u && p) {
      const r = await fetch("/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: u, password: p }) });
      const j = await r.json();
      if (!r.ok) throw new Error(j.message || "Sign in failed");
      token = j.data.token;
    } else if (k && s) {
      const r = await fetch("/api/v1/auth/token", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ api_key: k, api_secret: s }) });
      const j = await r.json();
      if (!r.ok) throw new Error((j.error && j.error.message) || "Sign in failed");
      token = j.access_token;
    } else {
      throw new Error("Enter a user name and password, or an API key and secret.");
    }
    state.token = token;
    sessionStorage.setItem("cs_token", token);
    start();
  } catch (e) {
    $("signin-error").textContent = e.message;
  }
}

function signOut(why) {
  state.token = null;
  sessionStorage.removeItem("cs_token");
  if (state.ws) state.ws.close();
  $("nav").hidden = true;
  show("signin");
  if (why) $("signin-error").textContent = why;
}

/* ---- views ---- */

function show(view) {
  for (const s of document.querySelectorAll("main > section")) s.hidden = s.id !== "view-" + view;
  for (const b of document.querySelectorAll("#nav [data-view]")) {
    if (b.dataset.view === view) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  const h = document.querySelector("#view-" + view + " h2");
  if (h) { h.tabIndex = -1; h.focus(); }
  if (view === "queue") loadQueue();
  if (view === "analytics") loadAnalytics();
}

function start() {
  $("nav").hidden = false;
  show("queue");
  connect();
}

/* ---- review queue ---- */

function cell(tr, text) { const td = document.createElement("td"); td.textContent = text ?? ""; tr.appendChild(td); }

async function loadQueue(highlight) {
  const q = new URLSearchParams({ limit: "100" });
  if ($("f-status").value) q.set("status", $("f-status").value);
  if ($("f-priority").value) q.set("priority", $("f-priority").value);
  try {
    const j = await api("GET", "/api/v1/review/queue?" + q);
    const tb = document.querySelector("#queue-table tbody");
    tb.replaceChildren();
    for (const it of j.data.items) {
      const tr = document.createElement("tr");
      tr.tabIndex = 0;
      tr.dataset.id = it.item_id;
      if (it.item_id === highlight) tr.classList.add("new");
      for (const v of [it.item_id, it.priority, it.category, it.status, it.decision || "", it.queued_at]) cell(tr, v);
      tr.addEventListener("click", () => openItem(it));
      tr.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openItem(it); } });
      tb.appendChild(tr);
    }
  } catch (e) { say("Queue: " + e.message); }
}

function openItem(it) {
  state.item = it;
  $("item").hidden = false;
  $("item-h").textContent = "Item " + it.item_id + " (" + (it.decision || it.status) + ")";
  $("item-query").textContent = it.query;
  $("item-response").value = it.final_response || it.response;
  $("item-feedback").value = it.feedback || "";
  $("item-result").textContent = "";
  const queued = it.status === "queued";
  for (const id of ["approve", "reject"]) $(id).disabled = !queued;
  $("item-response").focus();
}

async function decide(approved) {
  const it = state.item;
  const body = { item_id: it.item_id, approved };
  const text = $("item-response").value;
  if ($("item-feedback").value) body.feedback = $("item-feedback").value;
  if (approved && text !== it.response) body.edits = { modified_response: text };
  try {
    const j = await api("POST", "/api/v1/review/decision", body);
    $("item-result").textContent = "Recorded: " + (j.data.decision || j.data.status);
    $("item-h").textContent = "Item " + it.item_id + " (" + (j.data.decision || j.data.status) + ")";
    for (const id of ["approve", "reject"]) $(id).disabled = true;
    loadQueue(it.item_id);
  } catch (e) { $("item-result").textContent = "Not recorded: " + e.message; }
}

/* ---- live feed ---- */

function connect() {
  if (state.ws) state.ws.close();
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/websocket");
  state.ws = ws;
  ws.onopen = () => ws.send(JSON.stringify({ action: "auth", token: state.token }));
  ws.onmessage = (m) => {
    const ev = JSON.parse(m.data);
    if (ev.type === "authenticated")
      ws.send(JSON.stringify({ action: "subscribe", types: ["queue_update", "sentiment_alert", "system_status"] }));
    else if (ev.type === "subscribed") say("Live updates on.");
    else if (ev.type === "queue_update") {
      say("Review queue: item " + ev.data.item_id + " " + ev.data.action + ".");
      if (!$("view-queue").hidden) loadQueue(ev.data.item_id);
    } else if (ev.type === "sentiment_alert") {
      const li = document.createElement("li");
      li.textContent = ev.timestamp + ": " + ev.data.sentiment + " (" + ev.data.sentiment_score + ") " +
        (ev.data.ticket_id ? "ticket " + ev.data.ticket_id : "session " + ev.data.sessionId);
      $("alerts").prepend(li);
      say("Sentiment alert: " + ev.data.sentiment);
    } else if (ev.type === "system_status") showStatus(ev);
  };
  ws.onclose = () => { if (state.token && state.ws === ws) setTimeout(connect, 2000); };
}

function showStatus(ev) {
  const d = ev.data;
  $("status-summary").textContent = "Status " + d.status + " at " + ev.timestamp + ": store " + d.store +
    ", " + d.queue_depth + " items queued for review, " + d.outbox.pending + " webhook events pending" +
    (d.p50_ms != null ? ", p50 " + d.p50_ms + " ms, p99 " + d.p99_ms + " ms" : "") + ".";
  const tb = document.querySelector("#status-table tbody");
  tb.replaceChildren();
  for (const f of d.functions) {
    const tr = document.createElement("tr");
    for (const v of [f.name, f.healthy ? "yes" : "NO", f.requests, f.errors, f.p50_ms ?? "", f.p99_ms ?? ""]) cell(tr, v);
    tb.appendChild(tr);
  }
}

/* ---- sessions ---- */

async function loadSessions(ev) {
  ev.preventDefault();
  const q = new URLSearchParams({ companyId: $("company").value, limit: "50" });
  if ($("s-status").value) q.set("status", $("s-status").value);
  try {
    const j = await api("GET", "/api/v1/cs/sessions?" + q);
    const ul = $("sessions-list");
    ul.replaceChildren();
    for (const s of (j.sessions || j.data || [])) {
      const li = document.createElement("li"), b = document.createElement("button");
      b.type = "button";
      b.textContent = (s.sessionId || s.id) + " · " + s.status + " · " + s.currentTier + " · " + (s.customerSentiment || "");
      b.addEventListener("click", () => openSession(s.sessionId || s.id));
      li.appendChild(b);
      ul.appendChild(li);
    }
  } catch (e) { say("Sessions: " + e.message); }
}

async function openSession(id) {
  try {
    const j = await api("GET", "/api/v1/cs/sessions/" + encodeURIComponent(id));
    const s = j.session || j;
    $("session").hidden = false;
    $("session-h").textContent = "Session " + id;
    $("session-meta").textContent = "Status " + s.status + ", tier " + s.currentTier + ", channel " + (s.channel || "");
    $("transcript").replaceChildren(...(s.messages || []).map((m) => {
      const li = document.createElement("li");
      li.textContent = m.role + (m.sentiment ? " [" + m.sentiment + "]" : "") + ": " + m.content;
      return li;
    }));
    $("sentiment-trail").textContent = (s.sentimentHistory || []).map((h) => h.sentiment + " " + h.score).join(" → ");
    $("escalations").replaceChildren(...(s.escalationHistory || s.escalations || []).map((e) => {
      const li = document.createElement("li");
      li.textContent = (e.fromTier || "") + " → " + (e.toTier || "") + " (" + (e.reason || "") + ")";
      return li;
    }));
  } catch (e) { say("Session: " + e.message); }
}

/* ---- analytics ---- */

function chart(id, type, labels, datasets) {
  if (!window.Chart) return;
  if (state.charts[id]) state.charts[id].destroy();
  state.charts[id] = new Chart($(id), { type, data: { labels, datasets }, options: { responsive: true, animation: false } });
}

async function loadAnalytics(ev) {
  if (ev) ev.preventDefault();
  if (!$("from").value) {
    const to = new Date(), from = new Date(Date.now() - 29 * 86400000);
    $("to").value = to.toISOString().slice(0, 10);
    $("from").value = from.toISOString().slice(0, 10);
  }
  const from = $("from").value, to = $("to").value;
  const errors = [];
  try {
    const m = await api("GET", "/api/v1/tickets/metrics?from=" + from + "&to=" + to);
    const cats = m.categories || {};
    chart("c-tickets", "bar", Object.keys(cats), [{ label: "tickets", data: Object.values(cats), backgroundColor: "#0b4f9c" }]);
  } catch (e) { errors.push("tickets metrics: " + e.message); }
  try {
    const s = await api("GET", "/api/v1/analytics/summary?start_date=" + from + "&end_date=" + to + "&granularity=daily");
    const tl = s.data.timeline_data || [];
    chart("c-summary", "line", tl.map((p) => p.date), [{ label: "conversations", data: tl.map((p) => p.conversations), borderColor: "#0b4f9c" }]);
  } catch (e) { errors.push("analytics summary: " + e.message); }
  if ($("a-company").value) {
    try {
      const c = await api("GET", "/api/v1/cs/analytics?companyId=" + encodeURIComponent($("a-company").value) +
        "&startDate=" + from + "T00:00:00Z&endDate=" + to + "T23:59:59Z&groupBy=day");
      const tiers = ((c.data || c).byTier) || [];
      chart("c-cs", "bar", tiers.map((t) => t.tier), [{ label: "sessions", data: tiers.map((t) => t.sessions), backgroundColor: "#0b4f9c" }]);
    } catch (e) { errors.push("CS analytics: " + e.message); }
  }
  try {
    const r = await fetch("/manager/api/v1/metrics/call_segments?group_by=day&created_at[from]=" + from + "&created_at[to]=" + to,
      { headers: { "Authorization": "Bearer " + state.token } });
    const rows = r.ok ? await r.json() : [];
    if (Array.isArray(rows) && rows.length)
      chart("c-calls", "bar", rows.map((x) => x.key), [{ label: "calls", data: rows.map((x) => x.calls), backgroundColor: "#0b4f9c" }]);
    else {
      if (state.charts["c-calls"]) state.charts["c-calls"].destroy();
      delete state.charts["c-calls"];
      $("c-calls").setAttribute("aria-label", "No call-segment data for these dates");
    }
  } catch (e) { errors.push("call segments: " + e.message); }
  $("analytics-error").textContent = errors.join("; ");
}

/* ---- wiring ---- */

document.addEventListener("DOMContentLoaded", () => {
  $("signin").addEventListener("submit", signIn);
  $("signout").addEventListener("click", () => signOut());
  for (const b of document.querySelectorAll("#nav [data-view]")) b.addEventListener("click", () => show(b.dataset.view));
  $("queue-filter").addEventListener("submit", (e) => { e.preventDefault(); loadQueue(); });
  $("approve").addEventListener("click", () => decide(true));
  $("reject").addEventListener("click", () => decide(false));
  $("close-item").addEventListener("click", () => { $("item").hidden = true; });
  $("sessions-form").addEventListener("submit", loadSessions);
  $("range").addEventListener("submit", loadAnalytics);
  if (state.token) start(); else show("signin");
});
