"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const rows = document.getElementById("account-rows");
  const message = document.getElementById("account-message");

  async function load() {
    const data = await qxApi("GET", "/api/accounts");
    rows.replaceChildren(...data.accounts.map((a) => {
      const tr = document.createElement("tr");
      for (const text of [a.username, a.display_name, a.role_zh, a.active ? (a.locked_until ? "暂时锁定" : "可用") : "已停用",
                          a.last_login_at ? a.last_login_at.slice(0, 16).replace("T", " ") : "—"]) {
        const td = document.createElement("td"); td.textContent = text; tr.appendChild(td);
      }
      const td = document.createElement("td");
      if (a.role !== "hall_manager") {
        const button = document.createElement("button");
        button.type = "button"; button.className = "button small";
        button.textContent = a.active ? "停用" : "启用";
        button.addEventListener("click", async () => {
          try { await qxApi("POST", `/api/accounts/${encodeURIComponent(a.username)}/${a.active ? "disable" : "enable"}`); load(); }
          catch (err) { qxText(message, err.message); }
        });
        td.appendChild(button);
      }
      tr.appendChild(td);
      return tr;
    }));
  }

  document.getElementById("account-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const data = await qxApi("POST", "/api/accounts", {
        username: document.getElementById("new-username").value,
        display_name: document.getElementById("new-display-name").value,
        password: document.getElementById("new-password").value,
        role: document.getElementById("new-role").value,
      });
      qxText(message, `已创建账号：${data.account.username}（${data.account.role_zh}）`);
      event.target.reset();
      load();
    } catch (err) {
      qxText(message, err.message);
    }
  });
  load();
});
