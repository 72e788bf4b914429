// The timeline as a Gantt chart: one row per orchestration, activity, sub-orchestration, timer and
// event, each bar placed by its start and length (CSSOM positions; no inline markup or styles).

import { h } from "./dom.js";
import { formatDuration, formatTime, parseTime } from "./format.js";
import { instanceHref } from "./routes.js";

const KINDS = {
  orchestration: "orchestration",
  activity: "activity",
  suborchestration: "sub-orchestration",
  timer: "timer",
  event: "event",
  lifecycle: "instance",
};
const STATES = {
  completed: "completed",
  failed: "failed",
  running: "running",
  pending: "waiting",
  fired: "fired",
  cancelled: "not fired",
  unfinished: "unfinished",
  instant: "",
};
const TICKS = [0, 0.25, 0.5, 0.75, 1];
const MIN_BAR_PERCENT = 0.6;

const clamp = (value) => Math.min(100, Math.max(0, value));

export function renderGantt(timeline) {
  const span = Math.max(timeline.end - timeline.start, 1);
  const place = (at) => clamp(((at - timeline.start) / span) * 100);
  const axis = h("div", { class: "gantt-axis", "aria-hidden": "true" },
    TICKS.map((fraction) => {
      const text = fraction === 0 ? "0" : `+${formatDuration(span * fraction)}`;
      const tick = h("span", { class: "gantt-tick", text });
      tick.style.left = `${fraction * 100}%`;
      return tick;
    }));
  return h("figure", { class: "gantt" },
    h("figcaption", {},
      `Started ${formatTime(new Date(timeline.start).toISOString())}, `,
      `${formatDuration(timeline.end - timeline.start)} shown`),
    h("div", { class: "gantt-head", "aria-hidden": "true" }, h("span", {}, "Step"), axis, h("span", {}, "Duration")),
    h("ol", { class: "gantt-rows", "aria-label": "Timeline" },
      timeline.rows.map((row) => renderRow(row, place, timeline))),
    legend());
}

function renderRow(row, place, timeline) {
  const instant = row.state === "instant";
  const bar = h("span", {
    class: `gantt-bar kind-${row.kind} state-${row.state}`,
    title: barTitle(row),
  });
  const left = place(row.start);
  bar.style.left = `${left}%`;
  if (!instant) bar.style.width = `${Math.max(place(row.end) - left, MIN_BAR_PERCENT)}%`;
  const name = row.instanceId ? h("a", { href: instanceHref(row.instanceId) }, row.name) : row.name;
  const length = instant ? `at +${formatDuration(row.start - timeline.start)}` : rowLength(row);
  return h("li", { class: `gantt-row kind-${row.kind} state-${row.state}`, dataset: { kind: row.kind } },
    h("span", { class: "gantt-label", title: row.name },
      h("span", { class: "gantt-kind" }, KINDS[row.kind]), " ", h("span", { class: "gantt-name" }, name)),
    h("span", { class: "gantt-track" }, bar),
    h("span", { class: "gantt-duration" },
      length, STATES[row.state] ? h("span", { class: "gantt-state" }, ` ${STATES[row.state]}`) : null));
}

/** How long the row took; a timer shows the wait it was created for (which may reach beyond the chart). */
function rowLength(row) {
  if (row.kind === "timer") return formatDuration(parseTime(row.fireAt) - row.start);
  return `${formatDuration(row.end - row.start)}${row.clipped ? "+" : ""}`;
}

function barTitle(row) {
  const from = formatTime(new Date(row.start).toISOString());
  const to = formatTime(new Date(row.end).toISOString());
  const lines = [`${KINDS[row.kind]} ${row.name}`, row.state === "instant" ? `at ${from}` : `${from} → ${to}`];
  if (row.fireAt) lines.push(`fires at ${formatTime(row.fireAt)}`);
  return lines.join("\n");
}

function legend() {
  return h("ul", { class: "gantt-legend", "aria-label": "Legend" },
    ["activity", "suborchestration", "timer", "event"].map((kind) =>
      h("li", {}, h("span", { class: `gantt-swatch kind-${kind}`, "aria-hidden": "true" }), KINDS[kind])),
    h("li", {}, h("span", { class: "gantt-swatch state-failed", "aria-hidden": "true" }), "failed"),
    h("li", {}, h("span", { class: "gantt-swatch state-running", "aria-hidden": "true" }), "running"));
}
