// The counter console: one window at a time, big buttons, keyboard shortcuts.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("console");
  const mayCounter = root.dataset.mayCounter === "yes";
  const picker = document.getElementById("window-picker");
  const counter = document.getElementById("counter");
  const message = document.getElementById("message");
  const transferBox = document.getElementById("transfer-box");
  const STATUS = { waiting: "等候中", called: "已叫号，等群众到窗口", serving: "办理中", suspended: "已挂起" };
  const PRIORITY = { normal: "", elderly: "老", disabled: "残", military: "军", pregnant: "孕" };
  let windowNumber = null;
  let state = null;
  let busy = false;

  function chooseWindow(number) {
    windowNumber = number;
    if (number) localStorage.setItem("qx-window", String(number)); else localStorage.removeItem("qx-window");
    picker.hidden = Boolean(number);
    counter.hidden = !number;
    qxText(document.getElementById("window-label"), number ? `${number}号窗口` : "");
    // The citizen-facing rating view of this window, on a second screen or tablet (this session).
    const tabletLink = document.getElementById("tablet-link");
    if (tabletLink) tabletLink.href = number ? `/window/${number}` : "#";
    if (number) refresh();
  }

  async function refresh() {
    if (!windowNumber) return;
    try {
      state = await qxApi("GET", "/api/counter");
      render();
    } catch (err) {
      if (err.status === 401) { window.location.href = "/staff"; return; }
      qxText(message, err.message);
    }
  }

  function ticketLabel(t) { return t.code + (PRIORITY[t.priority] ? `（${PRIORITY[t.priority]}）` : ""); }

  function render() {
    const win = state.windows.find((w) => w.number === windowNumber);
    if (!win) return;
    const current = win.current;
    qxText(document.getElementById("current-code"), current ? ticketLabel(current) : (win.paused ? "暂停服务" : "—"));
    qxText(document.getElementById("current-state"), current
      ? `${STATUS[current.status] || current.status}${current.recall_count ? `，已重呼${current.recall_count}次` : ""}`
      : (win.paused ? "本窗口已暂停，按“恢复服务”继续" : "空闲，可以叫下一位"));
    const pause = document.getElementById("pause-button");
    if (pause) {
      pause.dataset.action = win.paused ? "open" : "pause";
      pause.firstChild.textContent = win.paused ? "恢复服务 " : "暂停服务 ";
    }
    const counts = document.getElementById("counts");
    counts.replaceChildren(...state.queues.filter((q) => win.queues.includes(q.id)).map((q) => {
      const div = document.createElement("div");
      div.textContent = `${q.name}：等候 ${q.counts.waiting} 人 · 今日已取 ${q.counts.issued} · 办结 ${q.counts.finished} · 过号 ${q.counts.no_show}`;
      return div;
    }));
    const queues = document.getElementById("queues");
    queues.replaceChildren(...state.queues.filter((q) => win.queues.includes(q.id)).map(renderQueue));
  }

  function renderQueue(q) {
    const card = document.createElement("section");
    card.className = "card queue";
    const h = document.createElement("h3");
    h.textContent = `${q.name}（${q.id}）等候 ${q.waiting.length} 人 ${q.wait_text}`;
    card.appendChild(h);
    card.appendChild(ticketRow("等候", q.waiting, mayCounter ? (t) => ({ label: "特呼", run: () => act("call", { code: t.code }) }) : null));
    if (q.suspended.length) card.appendChild(ticketRow("挂起", q.suspended, mayCounter ? (t) => ({ label: "恢复办理", run: () => act("resume", { code: t.code }) }) : null));
    if (q.no_show.length) card.appendChild(ticketRow("过号", q.no_show, mayCounter ? (t) => ({ label: "重新排队", run: () => reactivate(t.code) }) : null));
    return card;
  }

  function ticketRow(title, tickets, buttonFor) {
    const div = document.createElement("div");
    div.className = "ticket-row";
    const label = document.createElement("span");
    label.className = "muted";
    label.textContent = `${title}：`;
    div.appendChild(label);
    if (!tickets.length) { div.appendChild(document.createTextNode("无")); return div; }
    for (const t of tickets) {
      const chip = document.createElement(buttonFor ? "button" : "span");
      chip.className = "chip";
      chip.textContent = `${ticketLabel(t)} ${t.arrival_at}`;
      if (buttonFor) {
        const b = buttonFor(t);
        chip.type = "button";
        chip.title = b.label;
        chip.addEventListener("click", () => { if (confirm(`${b.label} ${t.code}？`)) b.run(); });
      }
      div.appendChild(chip);
    }
    return div;
  }

  async function act(action, body) {
    if (!mayCounter || busy || !windowNumber) return;
    busy = true;
    document.body.classList.add("busy");
    try {
      const result = await qxApi("POST", `/api/windows/${windowNumber}/${action}`, body);
      qxText(message, result.announcement || doneText(result));
    } catch (err) {
      if (err.status === 401) { window.location.href = "/staff"; return; }
      qxText(message, err.message);
    } finally {
      busy = false;
      document.body.classList.remove("busy");
      refresh();
    }
  }

  async function reactivate(code) {
    try {
      await qxApi("POST", `/api/tickets/${encodeURIComponent(code)}/reactivate`);
      qxText(message, `${code} 已重新排队`);
    } catch (err) { qxText(message, err.message); }
    refresh();
  }

  function doneText(result) {
    const code = result.ticket ? result.ticket.code : "";
    const words = { start: "开始办理", finish: "已办结", "no_show": "已过号", suspend: "已挂起", resume: "已恢复办理",
                    transfer: "已转窗口", pause_window: "本窗口已暂停", resume_window: "本窗口已恢复服务" };
    return `${code} ${words[result.action] || "完成"}`.trim();
  }

  function showTransfer(show) { if (transferBox) transferBox.hidden = !show; }

  document.querySelectorAll("[data-window]").forEach((b) => b.addEventListener("click", () => chooseWindow(Number(b.dataset.window))));
  document.getElementById("change-window").addEventListener("click", () => chooseWindow(null));
  document.querySelectorAll(".actions [data-action]").forEach((b) => b.addEventListener("click", () => {
    if (b.dataset.action === "transfer") { showTransfer(true); return; }
    act(b.dataset.action);
  }));
  document.querySelectorAll("[data-transfer]").forEach((b) => b.addEventListener("click", () => { showTransfer(false); act("transfer", { to: b.dataset.transfer }); }));
  const cancel = document.getElementById("transfer-cancel");
  if (cancel) cancel.addEventListener("click", () => showTransfer(false));
  document.getElementById("logout").addEventListener("click", async () => {
    try { await qxApi("POST", "/api/logout"); } finally { window.location.href = "/staff"; }
  });

  const KEYS = { " ": "call", r: "recall", b: "start", f: "finish", n: "no-show", s: "suspend", t: "transfer" };
  document.addEventListener("keydown", (event) => {
    if (!windowNumber || event.ctrlKey || event.altKey || event.metaKey) return;
    if (["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName)) return;
    const key = event.key.toLowerCase();
    if (key === "p") { event.preventDefault(); act(document.getElementById("pause-button").dataset.action); return; }
    if (key === "escape") { showTransfer(false); return; }
    const action = KEYS[key];
    if (!action) return;
    event.preventDefault();  // Space must not scroll or press a focused button as well
    if (action === "transfer") showTransfer(true); else act(action);
  });

  qxLive(() => refresh());
  setInterval(refresh, 30000);  // a safety net if the live feed is cut
  const saved = Number(localStorage.getItem("qx-window"));
  if (saved && document.querySelector(`[data-window="${saved}"]`)) chooseWindow(saved);
});
