// One instance: summary, actions, failure, custom status (with progress bars), the timeline of its
// history, input and output, and the raw history events; refreshed live.

import { ApiError, changeLifecycle, getInstance, purgeInstance, raiseEvent } from "./api.js";
import { confirmDialog } from "./dialogs.js";
import { fill, h, keepFocus, setText, toast, update } from "./dom.js";
import { ACTIVE_STATUSES, compactText, formatDuration, jsonText } from "./format.js";
import { renderGantt } from "./gantt.js";
import { Poller } from "./poller.js";
import { listHref } from "./routes.js";
import { buildTimeline, failures } from "./timeline.js";
import { jsonBlock, progressBars, statusBadge, time } from "./widgets.js";

const REASON = { name: "reason", label: "Reason (optional)", kind: "text" };
const SHOWN_ELSEWHERE = new Set(["EventType", "Timestamp"]);

export function renderInstance(main, instanceId) {
  // Reading errors clear on the next good read; an action's error stays until the next action.
  const readError = h("p", { class: "error", role: "alert", hidden: true });
  const actionError = h("p", { class: "error", role: "alert", hidden: true });
  const summary = h("dl", { class: "summary-grid" });
  const buttons = {
    raise: button("Raise event…", raise),
    suspend: button("Suspend…", () => lifecycle("suspend", "Suspend", "suspended")),
    resume: button("Resume…", () => lifecycle("resume", "Resume", "resumed")),
    terminate: button("Terminate…", () => lifecycle("terminate", "Terminate", "terminated", true), "danger"),
    rewind: button("Rewind…", () => lifecycle("rewind", "Rewind", "rewound")),
    purge: button("Purge…", purge, "danger"),
  };
  const parts = {
    failure: h("div"),
    custom: h("div"),
    timeline: h("div"),
    input: h("div"),
    output: h("div"),
    history: h("div"),
  };
  const failureSection = section("Failure", parts.failure, "failure");
  const content = h("div", { class: "instance-content" },
    failureSection,
    section("Custom status", parts.custom),
    section("Timeline", parts.timeline),
    h("div", { class: "columns" }, section("Input", parts.input), section("Output", parts.output)),
    section("History events", parts.history));
  fill(main,
    h("p", { class: "breadcrumb" }, h("a", { href: listHref() }, "← All instances")),
    h("h1", { tabindex: "-1", class: "instance-heading" },
      h("span", { class: "muted" }, "Instance "), h("span", { class: "instance-title" }, instanceId)),
    summary,
    h("div", { class: "actions", role: "group", "aria-label": "Actions" }, Object.values(buttons)),
    readError,
    actionError,
    content);

  const poller = new Poller(refresh);
  poller.start();
  return { dispose: () => poller.stop(), focus: () => main.querySelector("h1").focus() };

  async function refresh() {
    let status;
    try {
      status = await getInstance(instanceId);
    } catch (failure) {
      if (!poller.stopped) show(readError, `Could not read the instance: ${describe(failure)}`);
      return;
    }
    if (poller.stopped) return;
    readError.hidden = true;
    if (status === null) {
      update(summary, null, () =>
        h("p", { class: "muted" }, "No such instance (it may have been purged, or not started yet)."));
      content.hidden = true;
      setButtons(null);
      return;
    }
    content.hidden = false;
    setButtons(status.runtimeStatus);
    const timeline = buildTimeline(status);
    update(summary, [status.name, status.runtimeStatus, status.createdTime, status.lastUpdatedTime, timeline.end],
      () => summaryItems(status, timeline));
    const failed = failureItems(status);
    failureSection.hidden = failed === null;
    update(parts.failure, [status.runtimeStatus, status.output, failures(status)], () => failed);
    update(parts.custom, status.customStatus, (value) => [progressBars(value), jsonBlock(value, "No custom status.")]);
    update(parts.input, status.input, (value) => jsonBlock(value, "No input."));
    update(parts.output, status.output, (value) => jsonBlock(value, "No output."));
    keepFocus(parts.timeline, () => update(parts.timeline, timeline, () =>
      status.historyEvents?.length ? renderGantt(timeline) : h("p", { class: "muted" }, "No history yet.")));
    update(parts.history, status.historyEvents ?? [], historyTable);
  }

  function setButtons(status) {
    const allowed = {
      raise: ACTIVE_STATUSES.has(status),
      suspend: status === "Running" || status === "Pending",
      resume: status === "Suspended",
      terminate: ACTIVE_STATUSES.has(status),
      rewind: status === "Failed",
      purge: status !== null,
    };
    for (const [name, element] of Object.entries(buttons)) element.disabled = !allowed[name];
  }

  async function raise() {
    const values = await confirmDialog({
      title: "Raise an event",
      message: `Send an external event to ${instanceId}.`,
      fields: [
        { name: "eventName", label: "Event name", kind: "text", required: true },
        {
          name: "body", label: "Event data (JSON)", kind: "json", value: "{}",
          hint: "Any JSON value, e.g. {\"approved\": true}.",
        },
      ],
      confirmLabel: "Raise event",
    });
    if (!values) return;
    await perform(() => raiseEvent(instanceId, values.eventName, values.body), `Event ${values.eventName} raised.`);
  }

  async function lifecycle(operation, verb, done, danger = false) {
    const values = await confirmDialog({
      title: `${verb} this instance?`,
      message: `${verb} ${instanceId}.`,
      fields: [REASON],
      confirmLabel: verb,
      danger,
    });
    if (values) await perform(() => changeLifecycle(instanceId, operation, values.reason), `Instance ${done}.`);
  }

  async function purge() {
    const values = await confirmDialog({
      title: "Purge this instance?",
      message: `Purging deletes the status and the whole history of ${instanceId}. This cannot be undone.`,
      confirmLabel: "Purge",
      danger: true,
    });
    if (!values || !(await perform(() => purgeInstance(instanceId), "Instance purged."))) return;
    // Opening another view clears the message: say it again on the list.
    window.addEventListener("hashchange", () => toast(`Instance ${instanceId} purged.`), { once: true });
    location.hash = listHref();
  }

  async function perform(action, message) {
    actionError.hidden = true;
    try {
      await action();
      toast(message);
      return true;
    } catch (failure) {
      show(actionError, `The action failed: ${describe(failure)}`);
      return false;
    } finally {
      poller.now();
    }
  }
}

function show(alert, message) {
  alert.hidden = false;
  setText(alert, message);
}

function button(label, onClick, kind = "") {
  return h("button", { type: "button", class: `button ${kind}`.trim(), disabled: true, on: { click: onClick } }, label);
}

function section(title, body, kind = "") {
  return h("section", { class: `panel ${kind}`.trim(), "aria-label": title }, h("h2", {}, title), body);
}

function describe(failure) {
  return failure instanceof ApiError ? failure.message : String(failure);
}

function summaryItems(status, timeline) {
  return [
    ["Name", status.name ?? ""],
    ["Status", statusBadge(status.runtimeStatus)],
    ["Created", time(status.createdTime)],
    ["Last updated", time(status.lastUpdatedTime)],
    ["Duration", formatDuration(timeline.end - timeline.start)],
  ].map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value)));
}

function failureItems(status) {
  const failed = failures(status);
  if (status.runtimeStatus !== "Failed" && failed.length === 0) return null;
  return [
    status.runtimeStatus === "Failed" ? failureReason(compactText(status.output)) : null,
    failed.length ? h("ul", { class: "failure-list" }, failed.map((f) =>
      h("li", {},
        h("strong", {}, `${f.kind} ${f.name}`), " failed: ", h("span", { class: "failure-text" }, f.reason),
        f.details ? h("details", {}, h("summary", {}, "Details"), h("pre", { class: "code" }, f.details)) : null)))
      : null,
  ];
}

/** The failure message's first line as the reason; the rest (the host adds a stack trace) on demand. */
function failureReason(text) {
  const [reason, ...rest] = text.split("\n");
  const details = rest.join("\n").trim();
  return [
    h("p", { class: "failure-reason" }, h("strong", {}, "Reason: "), reason.trim() || "(none given)"),
    details ? h("details", {}, h("summary", {}, "Details"), h("pre", { class: "code" }, details)) : null,
  ];
}

function historyTable(events) {
  if (events.length === 0) return h("p", { class: "muted" }, "No history yet.");
  return h("div", { class: "table-wrap" }, h("table", { class: "history" },
    h("thead", {}, h("tr", {}, ["Time", "Event", "Name", "Data"].map((title) => h("th", { scope: "col" }, title)))),
    h("tbody", {}, events.map((event) => {
      const data = Object.fromEntries(Object.entries(event).filter(([key]) => !SHOWN_ELSEWHERE.has(key)));
      return h("tr", {},
        h("td", {}, time(event.Timestamp)),
        h("td", {}, event.EventType),
        h("td", {}, event.FunctionName ?? event.Name ?? ""),
        h("td", {}, h("details", {}, h("summary", {}, "Show"), h("pre", { class: "code" }, jsonText(data)))));
    }))));
}
