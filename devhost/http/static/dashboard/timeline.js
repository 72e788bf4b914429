// The history of one execution as timeline rows (pure: no DOM), for the Gantt chart.
// Input: `historyEvents` of the status API (showHistory=true&showHistoryOutput=true), where the host
// folds each scheduling event into its completion (`ScheduledTime` + `FunctionName`); scheduling
// events still in the list are work that has not finished.

import { parseTime } from "./format.js";

const FINISHING = new Set(["ExecutionCompleted", "ExecutionTerminated"]);
const INSTANTS = {
  EventRaised: (e) => ({ kind: "event", name: e.Name, detail: e.Input }),
  EventSent: (e) => ({
    kind: "event", name: `${e.Name} → ${e.InstanceId}`, detail: e.Input, instanceId: e.InstanceId,
  }),
  ExecutionSuspended: (e) => ({ kind: "lifecycle", name: "suspended", detail: e.Reason }),
  ExecutionResumed: (e) => ({ kind: "lifecycle", name: "resumed", detail: e.Reason }),
  ExecutionTerminated: (e) => ({ kind: "lifecycle", name: "terminated", detail: e.Input }),
  ContinueAsNew: (e) => ({ kind: "lifecycle", name: "continued as new", detail: e.Result }),
};

/**
 * {start, end, rows}: times in ms; each row {kind, name, start, end, state, instanceId?, detail?,
 * clipped?}. Kinds: orchestration, activity, suborchestration, timer, event, lifecycle (events and
 * lifecycle rows are instants: end === start). States: completed, failed, running, pending, fired,
 * cancelled, unfinished, instant. `now` ends the chart of an execution that has not finished.
 */
export function buildTimeline(status, now = Date.now()) {
  const events = (status.historyEvents ?? []).map((event) => ({ ...event, at: parseTime(event.Timestamp) }));
  const known = events.map((e) => e.at).filter((at) => !Number.isNaN(at));
  const started = events.find((e) => e.EventType === "ExecutionStarted");
  const finish = events.find((e) => FINISHING.has(e.EventType));
  const start = started ? started.at : Math.min(...known, now);
  const finished = finish ? finish.at : null;
  const end = finished ?? Math.max(now, ...known);
  const rows = [];
  const timers = [];
  for (const event of events) {
    if (event.EventType === "TimerFired") {
      const timer = timers.find((t) => t.state === "pending" && t.fireAt === event.FireAt);
      if (timer) Object.assign(timer, { state: "fired", end: Math.max(timer.start, event.at) });
      continue;
    }
    const row = toRow(event, finished !== null);
    if (row === null) continue;
    if (row.kind === "timer") timers.push(row);
    rows.push(row);
  }
  for (const timer of timers.filter((t) => t.state === "pending")) {
    if (finished !== null) Object.assign(timer, { state: "cancelled", end: Math.min(timer.end, finished) });
  }
  for (const row of rows) {
    if (row.end === null) row.end = end;
    if (row.end > end) Object.assign(row, { end, clipped: true });
  }
  rows.sort((a, b) => a.start - b.start);
  const orchestration = {
    kind: "orchestration",
    name: started?.FunctionName ?? status.name ?? "orchestration",
    start,
    end,
    state: orchestrationState(status.runtimeStatus, finished !== null),
  };
  return { start, end, rows: [orchestration, ...rows] };
}

function orchestrationState(runtimeStatus, finished) {
  if (runtimeStatus === "Failed") return "failed";
  if (runtimeStatus === "Completed") return "completed";
  if (runtimeStatus === "Terminated" || runtimeStatus === "Canceled") return "cancelled";
  return finished ? "completed" : "running";
}

function toRow(event, finished) {
  const open = finished ? "unfinished" : "running";
  switch (event.EventType) {
    case "TaskCompleted":
    case "TaskFailed":
    case "SubOrchestrationInstanceCompleted":
    case "SubOrchestrationInstanceFailed": {
      const failed = event.EventType.endsWith("Failed");
      return {
        kind: event.EventType.startsWith("Task") ? "activity" : "suborchestration",
        name: event.FunctionName ?? "?",
        start: parseTime(event.ScheduledTime) || event.at,
        end: event.at,
        state: failed ? "failed" : "completed",
        detail: failed ? event.Reason : event.Result,
      };
    }
    case "TaskScheduled":
      return { kind: "activity", name: event.Name, start: event.at, end: null, state: open, detail: event.Input };
    case "SubOrchestrationInstanceCreated":
      return {
        kind: "suborchestration",
        name: event.Name,
        start: event.at,
        end: null,
        state: open,
        instanceId: event.InstanceId,
        detail: event.Input,
      };
    case "TimerCreated":
      return {
        kind: "timer",
        name: "timer",
        start: event.at,
        end: parseTime(event.FireAt),
        fireAt: event.FireAt,
        state: "pending",
      };
    default: {
      const instant = INSTANTS[event.EventType];
      if (!instant) return null;
      return { ...instant(event), start: event.at, end: event.at, state: "instant" };
    }
  }
}

/** Failed activities and sub-orchestrations: [{kind, name, reason, details, at}]. */
export function failures(status) {
  return (status.historyEvents ?? [])
    .filter((e) => e.EventType === "TaskFailed" || e.EventType === "SubOrchestrationInstanceFailed")
    .map((e) => ({
      kind: e.EventType === "TaskFailed" ? "activity" : "sub-orchestration",
      name: e.FunctionName ?? "?",
      reason: e.Reason ?? "",
      details: e.Details ?? "",
      at: e.Timestamp,
    }));
}
