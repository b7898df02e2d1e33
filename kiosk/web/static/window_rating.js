// The tablet facing the citizen at window N: 欢迎, then 请您评价 for the ticket the window has
// just finished (told by the hall's live feed), the five levels, the reasons of a 差评, thanks,
// and back to 欢迎 after the rating or when nobody taps for a while.
//
// Authorised by a device token (opened once as /window/N#device=<token>: the fragment never
// reaches the server or its log; the token is kept in this browser) or, without one, by the
// session of the staff member logged in on the counter console.
"use strict";
const TOKEN_KEY = "qx_window_device";
const IDLE_MS = 60000;  // a question nobody answers goes away
const THANKS_MS = 5000;

const tablet = {
  window: Number(document.getElementById("tablet").dataset.window),
  code: null,          // the ticket asked about
  level: 0,
  done: new Set(),     // tickets rated or left unanswered here: never asked again
  timer: null,

  token() {
    const match = location.hash.match(/device=([^&]+)/);
    if (match) {
      localStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
      history.replaceState(null, "", location.pathname);
    }
    return localStorage.getItem(TOKEN_KEY) || "";
  },

  call(method, body) {
    return qxApi(method, `/api/kiosk/windows/${this.window}/rating`, body, this.token());
  },

  show(step) {
    for (const id of ["welcome", "refused", "ask", "reasons", "thanks"]) {
      document.getElementById(id).hidden = id !== step;
    }
    document.getElementById("tablet").dataset.state = step;
    clearTimeout(this.timer);
    if (step === "ask" || step === "reasons") this.timer = setTimeout(() => this.giveUp(), IDLE_MS);
    if (step === "thanks") this.timer = setTimeout(() => this.welcome(), THANKS_MS);
  },

  welcome() {
    this.code = null;
    this.level = 0;
    this.show("welcome");
    this.refresh();
  },

  giveUp() {
    if (this.code) this.done.add(this.code);
    this.welcome();
  },

  async refresh() {
    if (this.code) return;  // a rating is under way: the citizen finishes it first
    try {
      const data = await this.call("GET");
      if (data.ticket && !this.done.has(data.ticket.code) && !this.code) {
        this.code = data.ticket.code;
        qxText(document.getElementById("ask-code"), this.code);
        this.show("ask");
      }
    } catch (err) {
      if (err.status === 401 || err.status === 403) {
        qxText(document.getElementById("refused-text"), err.message);
        this.show("refused");
      }
    }
  },

  async rate(level) {
    this.level = level;
    if (level <= 2) {
      for (const box of document.querySelectorAll("input[name=reason]")) box.checked = false;
      document.getElementById("comment").value = "";
      qxText(document.getElementById("reasons-error"), "");
      this.show("reasons");
      return;
    }
    await this.send([], "");
  },

  async send(reasons, comment) {
    try {
      const data = await this.call("POST", { code: this.code, level: this.level, reasons, comment });
      this.done.add(this.code);
      qxText(document.getElementById("thanks-text"), data.message_zh);
      this.show("thanks");
    } catch (err) {
      if (this.level <= 2 && err.status === 422) {
        qxText(document.getElementById("reasons-error"), err.message);
        this.show("reasons");
        return;
      }
      // Already rated, too late, not this window's: say so, then back to 欢迎.
      this.done.add(this.code);
      qxText(document.getElementById("thanks-text"), err.message);
      this.show("thanks");
    }
  },
};
window.tablet = tablet;

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll(".tablet-level")) {
    button.addEventListener("click", () => tablet.rate(Number(button.dataset.level)));
  }
  document.getElementById("choose-again").addEventListener("click", () => tablet.show("ask"));
  document.getElementById("submit").addEventListener("click", () => {
    const reasons = [...document.querySelectorAll("input[name=reason]:checked")].map((box) => box.value);
    tablet.send(reasons, document.getElementById("comment").value);
  });
  document.addEventListener("pointerdown", () => {
    // A tap keeps the question up: the idle timer starts again.
    const step = document.getElementById("tablet").dataset.state;
    if (step === "ask" || step === "reasons") tablet.show(step);
  });
  qxLive(() => tablet.refresh(), () => tablet.refresh());
  tablet.refresh();
});
