// Small pure helpers the pages share: statuses, times, sizes.

export const STATUSES = [
  "pre-submission", "submitted", "queued", "active", "finished",
  "error", "timeout", "terminate-queued", "terminated",
];
export const FINAL = new Set(["finished", "error", "timeout", "terminated"]);
export const IN_FLIGHT = new Set(["submitted", "queued", "active", "terminate-queued"]);

export function isFinal(status) {
  return FINAL.has(status);
}

// Epoch seconds (statusTrack) or ISO text (createdAt) as local date and time.
export function when(value) {
  if (value === undefined || value === null || value === "") return "";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function seconds(duration) {
  if (!Number.isFinite(duration)) return "";
  if (duration < 60) return `${duration.toFixed(1)} s`;
  const minutes = Math.floor(duration / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(duration % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function bytes(size) {
  if (!Number.isFinite(size)) return "";
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function number(value, digits = 6) {
  if (typeof value !== "number") return String(value ?? "");
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e6)) return value.toExponential(3);
  return String(Number(value.toFixed(digits)));
}

// The status track as steps with how long each lasted.
export function timeline(track) {
  const steps = (track || []).filter((step) => step && step.status);
  return steps.map((step, index) => {
    const next = steps[index + 1];
    return {
      status: step.status,
      at: when(step.trackedAt),
      lasted: next ? seconds(next.trackedAt - step.trackedAt) : "",
    };
  });
}

// A regular expression that matches `text` literally (the name filter is free text, not a pattern).
export function literal(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
