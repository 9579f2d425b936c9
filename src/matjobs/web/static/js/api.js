// The public HTTP API, as any client calls it: JSON under /api/v1 with the login's token headers.

const KEY = "matjobs.session";
export const BASE = "/api/v1";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export const session = {
  get() {
    try {
      return JSON.parse(localStorage.getItem(KEY) || "null");
    } catch {
      return null;
    }
  },
  set(value) {
    localStorage.setItem(KEY, JSON.stringify(value));
  },
  clear() {
    localStorage.removeItem(KEY);
  },
};

export function authHeaders() {
  const current = session.get();
  return current ? { "X-Auth-Token": current.token, "X-User-Id": current.userId } : {};
}

function url(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    params.set(name, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  const text = params.toString();
  return `${BASE}${path}${text ? `?${text}` : ""}`;
}

// Every answer is {status, data}; a failure's message says what was wrong.
export async function call(method, path, { query, body, form } = {}) {
  const headers = { Accept: "application/json", ...authHeaders() };
  let payload;
  if (form) {
    payload = new URLSearchParams(form);
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(url(path, query), { method, headers, body: payload });
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    answer = null;
  }
  if (!response.ok || !answer || answer.status !== "success") {
    const message = answer?.message || answer?.data?.message || `${method} ${path}: HTTP ${response.status}`;
    if (response.status === 401 && path !== "/login") {
      session.clear();
      window.dispatchEvent(new CustomEvent("matjobs:logged-out"));
    }
    throw new ApiError(response.status, message);
  }
  return answer.data;
}

export const get = (path, query) => call("GET", path, { query });
export const post = (path, body, query) => call("POST", path, { body, query });
export const patch = (path, body) => call("PATCH", path, { body });
export const del = (path) => call("DELETE", path);

export async function login(username, password) {
  const data = await call("POST", "/login", { form: { username, password } });
  session.set({ username, token: data["X-Auth-Token"], userId: data["X-User-Id"], accountId: data["X-Account-Id"] });
}

export async function logout() {
  try {
    await call("POST", "/logout");
  } finally {
    session.clear();
  }
}
