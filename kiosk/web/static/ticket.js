// A ticket's phone page: re-reads the ticket whenever the hall's board changes.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const card = document.getElementById("ticket");
  const token = card.dataset.token;
  let lastStatus = card.dataset.status;

  async function refresh() {
    try {
      const t = await qxApi("GET", `/api/tickets/${encodeURIComponent(token)}`);
      qxText(document.getElementById("ticket-code"), t.code);
      qxText(document.getElementById("ticket-status"), t.status_zh);
      const message = document.getElementById("ticket-message");
      qxText(message, t.message_zh);
      message.classList.toggle("go", t.status === "called" || t.status === "serving");
      qxText(document.getElementById("ticket-wait"), t.wait_text);
      card.dataset.status = t.status;
      if (t.status === "called" && lastStatus !== "called" && navigator.vibrate) navigator.vibrate([300, 200, 300]);
      lastStatus = t.status;
    } catch (err) { /* keep what is shown; the next change retries */ }
  }
  qxLive(() => refresh(), () => refresh());
  setInterval(refresh, 30000);
});
