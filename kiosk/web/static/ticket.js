// A ticket's phone page: re-reads the ticket whenever the hall's board changes; once the
// ticket is finished it offers the rating form (好差评), sent once with the CSRF header.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const card = document.getElementById("ticket");
  const token = card.dataset.token;
  let lastStatus = card.dataset.status;
  const ratingCard = document.getElementById("rating");
  const ratingForm = document.getElementById("rating-form");
  const reasonsBox = document.getElementById("rating-reasons");
  const ratingError = document.getElementById("rating-error");
  const doneCard = document.getElementById("rating-done");
  let rated = !doneCard.hidden;

  function showRating(state) {
    if (!state || rated) return;
    ratingCard.hidden = !state.can_rate;
    if (state.rated) {
      rated = true;
      ratingCard.hidden = true;
      qxText(document.getElementById("rating-done-text"), `您的评价：${state.level_zh}。感谢您的反馈！`);
      doneCard.hidden = false;
    }
  }

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
      showRating(t.rating);
    } catch (err) { /* keep what is shown; the next change retries */ }
  }

  ratingForm.addEventListener("change", () => {
    const level = ratingForm.querySelector("input[name=level]:checked");
    reasonsBox.hidden = !(level && Number(level.value) <= 2);
  });
  ratingForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    qxText(ratingError, "");
    const level = ratingForm.querySelector("input[name=level]:checked");
    if (!level) { qxText(ratingError, "请选择一个评价等级"); return; }
    const bad = Number(level.value) <= 2;
    const reasons = bad ? [...ratingForm.querySelectorAll("input[name=reason]:checked")].map((i) => i.value) : [];
    try {
      const answer = await qxApi("POST", `/api/tickets/${encodeURIComponent(token)}/rating`, {
        level: Number(level.value), reasons, comment: document.getElementById("rating-comment").value,
      });
      rated = true;
      ratingCard.hidden = true;
      qxText(document.getElementById("rating-done-text"), answer.message_zh);
      doneCard.hidden = false;
    } catch (err) {
      qxText(ratingError, err.message);
    }
  });
  qxLive(() => refresh(), () => refresh());
  setInterval(refresh, 30000);
});
