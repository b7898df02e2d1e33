// The hall display (wall TV): the board, kept live over SSE, and the spoken calls.
//
// Voice route. The browser's own speechSynthesis is tried first when it offers a
// zh-CN voice: it sounds better than espeak-ng, costs the hall box nothing, and
// keeps working if the box is busy. Many TV browsers and Linux Chromium builds
// have no Chinese voice at all (or none until speech-dispatcher is set up), so
// without one every call is played from /api/speech/<event>.wav, rendered on the
// hall box by espeak-ng's Mandarin voice (installed by bootstrap.sh). The server
// only ever speaks calls from its own event log, so the audio endpoint cannot be
// made to say anything else. Announcements go through one queue and are played
// one after the other, each twice, so two windows calling together never overlap.
"use strict";
const REPEATS = 2;
const GAP_MS = 700;
const SAFETY_MS = 15000;

const announcer = {
  queue: [],
  busy: false,
  // What was announced, for staff checking the TV and for tests: newest last.
  log: [],
  voice: null,
  blocked: false,

  pickVoice() {
    if (!("speechSynthesis" in window)) return null;
    const voices = window.speechSynthesis.getVoices();
    return voices.find((v) => /^(zh[-_]CN|cmn)/i.test(v.lang)) || null;
  },

  add(call) {
    const entry = { event_id: call.event_id, text: call.text, speech: call.speech, recall: call.recall,
                    queued_at: Date.now(), spoken: [] };
    this.log.push(entry);
    if (this.log.length > 50) this.log.shift();
    this.queue.push(entry);
    this.run();
  },

  async run() {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length) {
        const entry = this.queue.shift();
        for (let i = 0; i < REPEATS; i++) {
          entry.spoken.push(await this.speakOnce(entry));
          await sleep(GAP_MS);
        }
      }
    } finally {
      this.busy = false;
    }
  },

  speakOnce(entry) {
    this.voice = this.voice || this.pickVoice();
    return this.voice ? this.speakInBrowser(entry) : this.playServerAudio(entry);
  },

  speakInBrowser(entry) {
    return new Promise((resolve) => {
      const utterance = new SpeechSynthesisUtterance(entry.speech);
      utterance.lang = "zh-CN";
      utterance.voice = this.voice;
      utterance.rate = 0.9;
      const done = (how) => { clearTimeout(timer); resolve({ route: "browser", how, at: Date.now() }); };
      const timer = setTimeout(() => done("timeout"), SAFETY_MS);
      utterance.onend = () => done("ended");
      utterance.onerror = () => done("error");
      window.speechSynthesis.speak(utterance);
    });
  },

  playServerAudio(entry) {
    return new Promise((resolve) => {
      const audio = new Audio(`/api/speech/${entry.event_id}.wav`);
      const done = (how) => { clearTimeout(timer); resolve({ route: "server", how, at: Date.now() }); };
      const timer = setTimeout(() => done("timeout"), SAFETY_MS);
      audio.onended = () => done("ended");
      audio.onerror = () => done("error");
      audio.play().catch((err) => {
        if (err && err.name === "NotAllowedError") {
          // The TV browser wants one touch before it plays sound (autoplay policy).
          this.blocked = true;
          document.getElementById("sound-on").hidden = false;
        }
        done("blocked");
      });
    });
  },
};
window.announcer = announcer;

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

function renderBoard(board) {
  const windows = document.getElementById("windows");
  windows.replaceChildren(...board.windows.map((w) => {
    const div = document.createElement("div");
    div.className = "window" + (w.paused ? " paused" : "");
    div.dataset.window = w.number;
    const no = document.createElement("div"); no.className = "window-no"; no.textContent = `${w.number}号窗口`;
    const code = document.createElement("div"); code.className = "window-code";
    code.textContent = w.paused ? "暂停服务" : (w.code || "—");
    div.append(no, code);
    return div;
  }));
  document.getElementById("recent").replaceChildren(...board.recent_calls.map((c) => {
    const li = document.createElement("li"); li.textContent = `${c.code} → ${c.window}号窗口`; return li;
  }));
  document.getElementById("waiting").replaceChildren(...board.queues.map((q) => {
    const li = document.createElement("li");
    li.append(`${q.name}：`);
    const b = document.createElement("b"); b.textContent = q.waiting; li.append(b, "人");
    return li;
  }));
  if (board.recent_calls.length) document.getElementById("latest-call").textContent = board.recent_calls[0].text;
}

function flash(call) {
  const latest = document.getElementById("latest-call");
  latest.textContent = call.text;
  latest.classList.remove("flash");
  void latest.offsetWidth;  // restart the animation
  latest.classList.add("flash");
  const win = document.querySelector(`.window[data-window="${call.window}"]`);
  if (win) win.querySelector(".window-code").textContent = call.code;
}

async function refreshBoard() {
  try { renderBoard(await qxApi("GET", "/api/board")); } catch (err) { /* the next change or timer retries */ }
}

document.addEventListener("DOMContentLoaded", () => {
  const seen = new Set();
  qxLive((message) => {
    for (const call of message.calls) {
      if (seen.has(call.event_id)) continue;
      seen.add(call.event_id);
      flash(call);
      announcer.add(call);
    }
    refreshBoard();
  }, () => refreshBoard());
  if ("speechSynthesis" in window) window.speechSynthesis.onvoiceschanged = () => { announcer.voice = announcer.pickVoice(); };
  document.getElementById("sound-on").addEventListener("click", (event) => {
    event.target.hidden = true;
    announcer.blocked = false;
    new Audio().play().catch(() => {});
  });
  const clock = document.getElementById("clock");
  const tick = () => { clock.textContent = new Date().toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" }); };
  tick();
  setInterval(tick, 10000);
  setInterval(refreshBoard, 60000);
});
