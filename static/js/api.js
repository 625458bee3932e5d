// JSON requests to /api/v1 with the session's CSRF token; errors come back as data, never thrown.
function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// Polling, refreshes and keepalives send this: they are not the user's activity, and must not
// keep an unattended console's session alive (dispatch112/idle.py).
export const BACKGROUND = { "X-Dispatch112-Background": "1" };

export async function request(method, url, body, { idempotencyKey, background } = {}) {
  // The console's language, not the browser's: answers and errors match what the operator reads.
  const headers = { Accept: "application/json", "Accept-Language": document.documentElement.lang || "id" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  if (background) Object.assign(headers, BACKGROUND);
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  } catch (error) {
    return { ok: false, status: 0, data: { detail: gettext("The server cannot be reached. Check the connection."), fields: {} } };
  }
  let data = null;
  try { data = await response.json(); } catch (error) { data = { detail: response.statusText, fields: {} }; }
  if (response.status === 401 || response.status === 403 && data && data.code === "not_authenticated") {
    data.detail = gettext("Your session has ended. Log in again (your form is kept in this tab).");
  }
  return { ok: response.ok, status: response.status, data };
}

export const get = (url) => request("GET", url);
export const getInBackground = (url) => request("GET", url, undefined, { background: true });
export const post = (url, body, options) => request("POST", url, body === undefined ? {} : body, options);
export const patch = (url, body) => request("PATCH", url, body);

export function newKey() {
  return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
}
