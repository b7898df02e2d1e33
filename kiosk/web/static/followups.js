// 差评回访: the open 差评 with ticket, window, staff, level, reasons and comment; managers mark them 已处理.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("followups");
  const mayHandle = root.dataset.mayHandle === "yes";
  const listBox = document.getElementById("followup-list");
  const message = document.getElementById("followup-message");
  let state = "open";

  function field(label, text) {
    const div = document.createElement("div");
    const b = document.createElement("span");
    b.className = "muted";
    b.textContent = `${label}：`;
    div.append(b, document.createTextNode(text || "—"));
    return div;
  }

  function card(f) {
    const section = document.createElement("section");
    section.className = `card followup ${f.followup}`;
    section.dataset.rating = String(f.id);
    const h = document.createElement("h3");
    h.textContent = `${f.level_zh} · ${f.subject_kind === "ticket" ? `${f.subject_code}号` : `投递 ${f.subject_code}`}`;
    section.appendChild(h);
    section.appendChild(field("日期", `${f.business_day}（评价于 ${f.rated_at.slice(11, 16)}）`));
    section.appendChild(field("窗口", f.window_number ? `${f.window_number}号窗口` : (f.subject_kind === "dropoff" ? "自助投递" : "")));
    section.appendChild(field("工作人员", f.staff));
    section.appendChild(field("原因", f.reasons_zh.join("、")));
    section.appendChild(field("群众意见", f.comment));
    if (f.followup === "handled") {
      section.appendChild(field("处理情况", `${f.handled_note}（${f.handled_by}，${(f.handled_at || "").slice(0, 16).replace("T", " ")}）`));
    } else if (mayHandle) {
      const form = document.createElement("form");
      const label = document.createElement("label");
      label.textContent = "处理情况";
      const note = document.createElement("textarea");
      note.name = "note"; note.rows = 2; note.maxLength = 500; note.required = true;
      note.placeholder = "如：已电话回访，向群众致歉并说明改进措施";
      label.appendChild(note);
      const button = document.createElement("button");
      button.type = "submit"; button.className = "button primary"; button.textContent = "已处理";
      form.append(label, button);
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        try {
          await qxApi("POST", `/api/ratings/${f.id}/followup`, { note: note.value });
          qxText(message, `${f.subject_code} 的差评已标记为已处理`);
          load();
        } catch (err) { qxText(message, err.message); }
      });
      section.appendChild(form);
    }
    return section;
  }

  async function load() {
    try {
      const data = await qxApi("GET", `/api/ratings/followups?state=${state}`);
      if (!data.followups.length) {
        const p = document.createElement("p");
        p.className = "card";
        p.textContent = state === "open" ? "没有待处理的差评。" : "还没有处理过的差评。";
        listBox.replaceChildren(p);
      } else {
        listBox.replaceChildren(...data.followups.map(card));
      }
    } catch (err) {
      if (err.status === 401) { window.location.href = "/staff"; return; }
      qxText(message, err.message);
    }
  }
  document.querySelectorAll("[data-state]").forEach((b) => b.addEventListener("click", () => { state = b.dataset.state; load(); }));
  load();
});
