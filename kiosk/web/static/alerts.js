// The console's open alerts (thresholds, devices) and the drop-off inbox count, refreshed every minute.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("alerts");
  const list = document.getElementById("alert-list");
  const count = document.getElementById("dropoff-count");

  async function refresh() {
    try {
      const data = await qxApi("GET", "/api/alerts");
      list.replaceChildren(...data.alerts.map((a) => {
        const li = document.createElement("li");
        li.dataset.code = a.code;
        li.textContent = a.message_zh + " ";
        const when = document.createElement("span");
        when.className = "muted";
        when.textContent = `（${a.at.slice(11, 16)}起）`;
        li.appendChild(when);
        return li;
      }));
      box.hidden = data.alerts.length === 0;
    } catch (err) {
      if (err.status === 401) window.location.href = "/staff";
    }
    if (count) {
      try {
        const inbox = await qxApi("GET", "/api/dropoffs");
        qxText(count, inbox.dropoffs.length ? `（${inbox.dropoffs.length}件待审）` : "");
      } catch (err) { qxText(count, ""); }
    }
  }
  refresh();
  setInterval(refresh, 60000);
});
