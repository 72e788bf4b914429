// Small pieces both views show: status badges, times, JSON blocks, progress bars.

import { h } from "./dom.js";
import { formatTime, jsonText, statusClass } from "./format.js";
import { findProgress, progressText } from "./progress.js";

export function statusBadge(status) {
  return h("span", { class: statusClass(status) }, status ?? "Unknown");
}

export function time(text) {
  return h("time", { datetime: text ?? "", title: text ? `${text} (UTC)` : "" }, formatTime(text));
}

/**
 * A payload as pretty JSON, or a note when there is none. Strings show as text; a string holding a JSON
 * object or array (the Python SDK's client passes inputs as JSON text) is shown parsed, with a note.
 */
export function jsonBlock(value, emptyText = "none") {
  if (value === null || value === undefined) return h("p", { class: "muted" }, emptyText);
  const block = (text) => h("pre", { class: "code", tabindex: "0" }, text);
  const inner = embeddedJson(value);
  if (inner !== undefined) {
    return [h("p", { class: "muted" }, "A string holding JSON, shown parsed:"), block(jsonText(inner))];
  }
  if (typeof value === "string") return [h("p", { class: "muted" }, "Text:"), block(value)];
  return block(jsonText(value));
}

function embeddedJson(value) {
  if (typeof value !== "string" || !/^\s*[[{]/.test(value)) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** One <progress> per progress pair of a custom status (nothing when it carries none). */
export function progressBars(customStatus, { compact = false } = {}) {
  const found = findProgress(customStatus);
  if (found.length === 0) return null;
  return h("div", { class: compact ? "progress-list compact" : "progress-list" },
    found.map((p) => {
      const text = `${p.label}: ${progressText(p)}`;
      const bar = h("progress", { max: p.total, value: p.done, "aria-label": text, title: text });
      return compact ? bar : h("div", { class: "progress-item" },
        h("span", { class: "progress-label" }, p.label), bar, h("span", { class: "progress-text" }, progressText(p)));
    }));
}
