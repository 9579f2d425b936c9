// The live events stream (SSE with the auth headers, which EventSource cannot send), and a poll
// while it is unavailable: a server without it, or a connection that dropped.

import { fetchEventSource } from "fetch-event-source";
import { BASE, authHeaders } from "./api.js";

class Unavailable extends Error {}

const RETRY_MS = 2000;
const RETRY_UNAVAILABLE_MS = 30000;

// follow("/jobs/events", {"job.status": (data) => ...}, {poll, every, from, query}) -> {close()}
// `poll` runs every `every` ms while the stream is down; `from` replays stored events after that id.
export function follow(path, handlers, { poll = null, every = 4000, from = null, query = null, onOpen = null } = {}) {
  const controller = new AbortController();
  let timer = null;
  let closed = false;
  const state = { live: false };

  const startPolling = () => {
    if (timer || !poll || closed) return;
    timer = setInterval(() => poll(), every);
  };
  const stopPolling = () => {
    clearInterval(timer);
    timer = null;
  };

  const headers = { ...authHeaders() };
  // Lower case: the library sets this same key after each event it sees, so a reconnect resumes there.
  if (from !== null) headers["last-event-id"] = String(from);
  const search = query ? `?${new URLSearchParams(query)}` : "";

  const connect = () =>
    fetchEventSource(`${BASE}${path}${search}`, {
      signal: controller.signal,
      headers,
      openWhenHidden: true,
      async onopen(response) {
        const type = response.headers.get("content-type") || "";
        if (!response.ok || !type.startsWith("text/event-stream")) throw new Unavailable(`HTTP ${response.status}`);
        state.live = true;
        stopPolling();
        if (onOpen) onOpen();
      },
      onmessage(message) {
        const handle = handlers[message.event];
        if (!handle || !message.data) return;
        let data;
        try {
          data = JSON.parse(message.data);
        } catch {
          return;
        }
        handle(data, message.id);
      },
      onclose() {
        throw new Error("the stream closed"); // to onerror: reconnect
      },
      onerror(error) {
        state.live = false;
        startPolling();
        if (error instanceof Unavailable) throw error; // stop; tried again later
        return RETRY_MS;
      },
    }).catch(() => {
      if (closed) return;
      state.live = false;
      startPolling();
      setTimeout(() => {
        if (!closed) connect();
      }, RETRY_UNAVAILABLE_MS);
    });

  connect();
  return {
    state,
    close() {
      closed = true;
      stopPolling();
      controller.abort();
    },
  };
}
