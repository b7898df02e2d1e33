"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const error = document.getElementById("dropoff-error");
  const result = document.getElementById("dropoff-result");
  document.getElementById("dropoff-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    qxText(error, "");
    result.hidden = true;
    try {
      const p = await qxApi("POST", "/api/dropoff/progress", {
        code: document.getElementById("dropoff-code").value,
        last4: document.getElementById("dropoff-last4").value,
      });
      qxText(document.getElementById("dropoff-matter"), `${p.matter_name}（${p.code}）`);
      qxText(document.getElementById("dropoff-status"), p.status_zh);
      const detail = [p.masked_name && `投递人：${p.masked_name}`, p.case_number && `受理编号：${p.case_number}`,
                      p.due_on && `预计办结：${p.due_on}`, p.note_zh].filter(Boolean).join("　");
      qxText(document.getElementById("dropoff-detail"), detail);
      document.getElementById("dropoff-steps").replaceChildren(...p.steps.map((s) => {
        const li = document.createElement("li"); li.textContent = `${s.at} ${s.text}`; return li;
      }));
      result.hidden = false;
    } catch (err) {
      qxText(error, err.message);
    }
  });
});
