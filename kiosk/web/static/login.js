"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    qxText(error, "");
    try {
      await qxApi("POST", "/api/login", {
        username: document.getElementById("username").value,
        password: document.getElementById("password").value,
      });
      window.location.href = "/staff";
    } catch (err) {
      qxText(error, err.message);
      document.getElementById("password").value = "";
    }
  });
});
