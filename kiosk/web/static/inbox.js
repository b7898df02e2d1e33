// The drop-off inbox: the list, one drop-off with its pages, and the review actions.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("inbox-root");
  const mayReview = root.dataset.mayReview === "yes";
  const rows = document.getElementById("inbox-rows");
  const empty = document.getElementById("inbox-empty");
  const message = document.getElementById("inbox-message");
  const filter = document.getElementById("status-filter");
  const detail = document.getElementById("dropoff-detail");
  const correctionForm = document.getElementById("correction-form");
  const rejectForm = document.getElementById("reject-form");
  // Which action each status allows (kiosk/services/dropoff.py TRANSITIONS).
  const ALLOWED = { accept: ["submitted", "correction"], correction: ["submitted"], reject: ["submitted", "correction"],
                    ready: ["accepted"], collected: ["ready"] };
  const DONE = { accept: "已受理", correction: "已发送补正要求", reject: "已不予受理", ready: "已标记为待领取", collected: "已领取，办结" };
  const ACTIONS = { accepted: "受理", correction: "要求补正", rejected: "不予受理", ready: "办好待领取", collected: "已领取", lapsed: "逾期未补正，已结束",
                    submitted: "提交", viewed: "查看", scans_deleted: "到期删除材料", pdf_exported: "导出PDF" };
  let current = null;

  function time(iso) { return iso ? iso.slice(0, 16).replace("T", " ") : "—"; }

  async function loadList() {
    try {
      const data = await qxApi("GET", `/api/dropoffs?status=${encodeURIComponent(filter.value)}`);
      rows.replaceChildren(...data.dropoffs.map((d) => {
        const tr = document.createElement("tr");
        tr.dataset.code = d.code;
        if (current && current.code === d.code) tr.className = "selected";
        for (const text of [d.code, d.matter_name, time(d.submitted_at), `${d.page_count}页`, d.masked_name]) {
          const td = document.createElement("td"); td.textContent = text; tr.appendChild(td);
        }
        tr.addEventListener("click", () => open(d.code));
        return tr;
      }));
      empty.hidden = data.dropoffs.length > 0;
    } catch (err) {
      if (err.status === 401) { window.location.href = "/staff"; return; }
      qxText(message, err.message);
    }
  }

  function field(label, text) {
    const div = document.createElement("div");
    const span = document.createElement("span");
    span.className = "muted"; span.textContent = `${label}：`;
    div.append(span, document.createTextNode(text || "—"));
    return div;
  }

  function show(d) {
    current = d;
    detail.hidden = false;
    detail.dataset.code = d.code;
    detail.dataset.status = d.status;
    qxText(document.getElementById("detail-title"), `${d.code} · ${d.matter_name}`);
    document.getElementById("detail-fields").replaceChildren(
      field("状态", d.status_zh), field("申请人", d.holder_name), field("身份证号", d.id_number),
      field("联系电话", d.phone), field("提交时间", time(d.submitted_at)), field("页数", `${d.page_count}页`),
      field("办件编号", d.case_number), field("办结时限", d.due_on), field("说明", d.status_note));
    if (mayReview) {
      document.querySelectorAll("[data-review]").forEach((b) => { b.hidden = !ALLOWED[b.dataset.review].includes(d.status); });
      correctionForm.hidden = rejectForm.hidden = true;
      document.getElementById("detail-pages").replaceChildren(...d.pages.map((p) => {
        const figure = document.createElement("figure");
        const caption = document.createElement("figcaption");
        caption.textContent = `第${p.number}页 · ${p.material}`;
        if (p.available) {
          const img = document.createElement("img");
          img.alt = `第${p.number}页`;
          img.loading = "lazy";
          img.dataset.page = String(p.number);
          img.src = `/api/dropoffs/${encodeURIComponent(d.code)}/pages/${p.number}.jpg`;
          figure.appendChild(img);
          // Turning is for looking only: the stored page and its PDF stay as they are.
          const turn = document.createElement("button");
          turn.type = "button";
          turn.className = "turn";
          turn.textContent = "旋转查看";
          let quarter = 0;
          turn.addEventListener("click", () => {
            quarter = (quarter + 1) % 4;
            img.style.transform = quarter ? `rotate(${quarter * 90}deg)` : "";
          });
          figure.appendChild(turn);
          if (!p.upright_sure) {
            caption.textContent += "（未能判断方向，请核对）";
            figure.classList.add("unsure");
          }
        } else {
          caption.textContent += "（已按期限删除）";
        }
        figure.appendChild(caption);
        return figure;
      }));
    }
    document.getElementById("detail-audit").replaceChildren(...d.audit.map((a) => {
      const li = document.createElement("li");
      li.textContent = `${time(a.at)} ${ACTIONS[a.action] || a.action} ${a.actor}`;
      return li;
    }));
    rows.querySelectorAll("tr").forEach((tr) => tr.classList.toggle("selected", tr.dataset.code === d.code));
  }

  async function open(code) {
    try {
      const data = await qxApi("GET", `/api/dropoffs/${encodeURIComponent(code)}`);
      qxText(message, "");
      show(data.dropoff);
    } catch (err) { qxText(message, err.message); }
  }

  async function review(action, body) {
    if (!current) return;
    try {
      const data = await qxApi("POST", `/api/dropoffs/${encodeURIComponent(current.code)}/${action}`, body);
      show(data.dropoff);
      qxText(message, `${data.dropoff.code} ${DONE[action]}${data.dropoff.case_number && action === "accept" ? `，办件编号 ${data.dropoff.case_number}` : ""}`);
      loadList();
    } catch (err) { qxText(message, err.message); }
  }

  if (mayReview) {
    document.querySelectorAll("[data-review]").forEach((b) => b.addEventListener("click", () => {
      const action = b.dataset.review;
      if (action === "correction") { correctionForm.hidden = false; rejectForm.hidden = true; return; }
      if (action === "reject") { rejectForm.hidden = false; correctionForm.hidden = true; return; }
      review(action);
    }));
    correctionForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const reasons = [...correctionForm.querySelectorAll("input[name=reason]:checked")].map((i) => i.value);
      review("correction", { reasons, text: document.getElementById("correction-text").value });
    });
    rejectForm.addEventListener("submit", (event) => {
      event.preventDefault();
      review("reject", { reason: document.getElementById("reject-reason").value });
    });
    document.querySelectorAll("[data-cancel]").forEach((b) => b.addEventListener("click", () => {
      correctionForm.hidden = rejectForm.hidden = true;
    }));
  }
  filter.addEventListener("change", loadList);
  loadList();
  setInterval(loadList, 30000);  // a drop-off that lands shows within half a minute
});
