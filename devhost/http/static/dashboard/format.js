// Text forms of what the management API returns: times, durations, JSON, statuses.

export const STATUSES = [
  "Running", "Pending", "Suspended", "Completed", "Failed", "Terminated", "Canceled", "ContinuedAsNew",
];
export const ACTIVE_STATUSES = new Set(["Running", "Pending", "Suspended", "ContinuedAsNew"]);

/** Milliseconds since the epoch of a .NET-style UTC time (up to 7 fractional digits), or NaN. */
export function parseTime(text) {
  if (typeof text !== "string" || !text) return NaN;
  return Date.parse(text.replace(/(\.\d{3})\d+/, "$1"));
}

const pad = (value, width = 2) => String(value).padStart(width, "0");

/** "2024-05-01 12:00:00" in the browser's time zone, or "" for no time. */
export function formatTime(text) {
  const ms = parseTime(text);
  if (Number.isNaN(ms)) return text ?? "";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min", "3 d 04 h". */
export function formatDuration(ms) {
  if (!Number.isFinite(ms)) return "";
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)} ms`;
  const seconds = value / 1000;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${pad(Math.floor(seconds % 60))} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${pad(minutes % 60)} min`;
  return `${Math.floor(hours / 24)} d ${pad(hours % 24)} h`;
}

/** Pretty JSON for a payload (strings stay quoted, so "null" and null differ). */
export function jsonText(value) {
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}

/** One-line JSON for tables; strings as they are. */
export function compactText(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The CSS class of a runtime status (unknown values get a neutral one). */
export function statusClass(status) {
  return STATUSES.includes(status) ? `status status-${status.toLowerCase()}` : "status";
}

/** Value for an <input type="datetime-local"> -> ISO UTC text for the API, or "" when empty. */
export function localInputToIso(value) {
  if (!value) return "";
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? "" : new Date(ms).toISOString();
}
