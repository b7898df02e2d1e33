// The console's 修改密码 panel: old and new password to POST /api/me/password (CSRF header by qxApi).
"use strict";
(function () {
  const box = document.getElementById("password-box");
  const form = document.getElementById("password-form");
  const message = document.getElementById("password-message");
  if (!box || !form) return;
  function show(open) { box.hidden = !open; if (open) form.old_password.focus(); else { form.reset(); qxText(message, ""); } }
  document.getElementById("password-open").addEventListener("click", () => show(box.hidden));
  document.getElementById("password-cancel").addEventListener("click", () => show(false));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.new_password.value !== form.again.value) { qxText(message, "两次输入的新密码不一样"); return; }
    try {
      await qxApi("POST", "/api/me/password", { old_password: form.old_password.value, new_password: form.new_password.value });
      form.reset();
      qxText(message, "密码已修改。其他电脑上的登录已退出");
    } catch (err) {
      qxText(message, err.message);
      if (err.status === 401) window.location.href = "/staff";
    }
  });
})();
