// Shared by every page: JSON calls to the hall server with the CSRF header.
"use strict";
function qxCookie(name) {
  const row = document.cookie.split("; ").find((part) => part.startsWith(name + "="));
  return row ? decodeURIComponent(row.slice(name.length + 1)) : "";
}

// Resolves to the parsed JSON body; rejects with an Error whose .message is the Chinese
// message of the server (or a plain one when the network is down). With a device token
// (a window tablet) the call is authorised by it instead of the session and its CSRF header.
async function qxApi(method, url, body, deviceToken) {
  const options = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
  if (deviceToken) options.headers["Authorization"] = `Bearer ${deviceToken}`;
  if (method !== "GET") {
    if (!deviceToken) options.headers["X-CSRF-Token"] = qxCookie("qx_csrf");
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body || {});
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch (err) {
    throw new Error("连接不上服务器，请检查网络");
  }
  let data = {};
  try { data = await response.json(); } catch (err) { data = {}; }
  if (!response.ok) {
    const error = new Error(data.message_zh || "操作没有成功，请再试一次");
    error.status = response.status;
    throw error;
  }
  return data;
}

// Follows the hall's live feed; calls onChange(message) for each change, reconnecting by itself.
function qxLive(onChange, onHello) {
  const source = new EventSource("/api/live");
  source.addEventListener("hello", (event) => { if (onHello) onHello(JSON.parse(event.data)); });
  source.addEventListener("change", (event) => onChange(JSON.parse(event.data)));
  return source;
}

function qxText(element, text) { if (element) element.textContent = text; }
