// The Durable management API (`/runtime/webhooks/durabletask/...`): the only thing the dashboard talks to.
// The base path comes from the page's <meta name="durable-api-base">; `taskHub`, `connection` and
// `code` in the dashboard's own URL are passed on to every request, as the host's links carry them.

const BASE = (document.querySelector('meta[name="durable-api-base"]')?.content ?? "/runtime/webhooks/durabletask")
  .replace(/\/+$/, "");
const PASSED_ON = ["taskHub", "connection", "code"];
const CONTINUATION_HEADER = "x-ms-continuation-token";
const STATUS_TEXT = {
  400: "the request was refused",
  404: "no such instance",
  410: "the instance has already finished",
  500: "the host failed",
};

/** A management API answer other than success; `message` says what happened. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function url(path, query = {}) {
  const params = new URLSearchParams();
  const page = new URLSearchParams(location.search);
  for (const name of PASSED_ON) if (page.get(name)) params.set(name, page.get(name));
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return `${BASE}/${path}${text ? `?${text}` : ""}`;
}

const instancePath = (id) => `instances/${encodeURIComponent(id)}`;

async function call(method, path, { query, body, headers = {}, allow = [] } = {}) {
  const init = { method, headers: { ...headers }, cache: "no-store" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url(path, query), init);
  if (!response.ok && !allow.includes(response.status)) throw new ApiError(response.status, await describe(response));
  return response;
}

async function describe(response) {
  const text = await response.text();
  let detail = "";
  try {
    const body = JSON.parse(text);
    detail = body.ExceptionMessage || body.Message || body.message || "";
  } catch {
    detail = text.slice(0, 300);
  }
  const known = STATUS_TEXT[response.status] ?? response.statusText;
  return `${response.status}: ${[known, detail].filter(Boolean).join(" - ")}`;
}

/**
 * One page of instances: {instances, token} (token "" on the last page).
 * Filters: statuses (names), prefix (instance id), createdFrom/createdTo (ISO), top, token.
 */
export async function listInstances({ statuses = [], prefix, createdFrom, createdTo, top, token } = {}) {
  const query = {
    runtimeStatus: statuses.join(","),
    instanceIdPrefix: prefix,
    createdTimeFrom: createdFrom,
    createdTimeTo: createdTo,
    top,
    showInput: "false",
  };
  const headers = token ? { [CONTINUATION_HEADER]: token } : {};
  const response = await call("GET", "instances/", { query, headers });
  return { instances: await response.json(), token: response.headers.get(CONTINUATION_HEADER) ?? "" };
}

/** The status of one instance with its history and results, or null when there is none. */
export async function getInstance(id) {
  const query = { showHistory: "true", showHistoryOutput: "true", showInput: "true" };
  const response = await call("GET", instancePath(id), { query, allow: [404] });
  return response.status === 404 ? null : response.json();
}

export async function raiseEvent(id, eventName, value) {
  await call("POST", `${instancePath(id)}/raiseEvent/${encodeURIComponent(eventName)}`, { body: value });
}

/** terminate, suspend, resume or rewind, with an optional reason. */
export async function changeLifecycle(id, operation, reason) {
  await call("POST", `${instancePath(id)}/${operation}`, { query: { reason } });
}

/** Delete the instance's status and history; the number of instances deleted. */
export async function purgeInstance(id) {
  const response = await call("DELETE", instancePath(id));
  return (await response.json()).instancesDeleted;
}
