// The instance list: filters (status, name, id prefix, created time range), paging with the API's
// continuation token, live refresh of the current page.

import { ApiError, listInstances } from "./api.js";
import { fill, h, keepFocus, setText, uniqueId, update } from "./dom.js";
import { STATUSES, compactText, localInputToIso, statusClass } from "./format.js";
import { Poller } from "./poller.js";
import { instanceHref, listHref } from "./routes.js";
import { progressBars, statusBadge, time } from "./widgets.js";

const PAGE_SIZES = [10, 20, 50, 100];
const DEFAULT_PAGE_SIZE = 20;
// The API cannot filter by name: with a name filter, up to this many pages are read to fill one page.
const MAX_PAGES_PER_NAME_SEARCH = 10;

export function renderList(main, params) {
  const filters = readFilters(params);
  const tokens = [""]; // tokens[i] fetches page i
  let page = 0;
  const names = new Set();

  const statusBoxes = STATUSES.map((status) =>
    h("input", { type: "checkbox", name: "status", value: status, checked: filters.statuses.includes(status) }));
  const nameList = h("datalist", { id: uniqueId("names") });
  const nameInput = h("input",
    { type: "search", name: "name", value: filters.name, list: nameList.id, autocomplete: "off" });
  const prefixInput = h("input",
    { type: "search", name: "prefix", value: filters.prefix, autocomplete: "off", spellcheck: "false" });
  const fromInput = h("input", { type: "datetime-local", name: "from", value: filters.from, step: 1 });
  const toInput = h("input", { type: "datetime-local", name: "to", value: filters.to, step: 1 });
  const sizeSelect = h("select", { name: "size" },
    PAGE_SIZES.map((size) => h("option", { value: String(size), selected: size === filters.size }, String(size))));
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter instances" },
    h("fieldset", { class: "status-filter" },
      h("legend", {}, "Status"),
      statusBoxes.map((box) =>
        h("label", { class: "check" }, box, h("span", { class: statusClass(box.value) }, box.value)))),
    field("Name", nameInput, nameList),
    field("Instance id prefix", prefixInput),
    field("Created from", fromInput),
    field("Created to", toInput),
    field("Page size", sizeSelect),
    h("div", { class: "filter-buttons" },
      h("button", { type: "button", class: "button", on: { click: clearFilters } }, "Clear filters")));
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const summary = h("p", { class: "summary", "aria-live": "polite" });
  const body = h("tbody");
  const previous = h("button", { type: "button", class: "button", on: { click: () => go(page - 1) } }, "Previous page");
  const next = h("button", { type: "button", class: "button", on: { click: () => go(page + 1) } }, "Next page");
  const pageLabel = h("span", { class: "page-label" });
  fill(main,
    h("h1", { tabindex: "-1" }, "Orchestration instances"),
    form,
    error,
    summary,
    h("div", { class: "table-wrap" },
      h("table", { class: "instances" },
        h("caption", { class: "visually-hidden" }, "Orchestration instances, newest first within the page"),
        h("thead", {}, h("tr", {}, ["Name", "Instance id", "Status", "Created", "Last updated", "Custom status"]
          .map((title) => h("th", { scope: "col" }, title)))),
        body)),
    h("nav", { class: "pager", "aria-label": "Pages" }, previous, pageLabel, next));

  let debounce = null;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    applyFilters();
  });
  form.addEventListener("input", (event) => {
    clearTimeout(debounce);
    debounce = setTimeout(applyFilters, event.target.type === "search" ? 300 : 0);
  });

  const poller = new Poller(refresh);
  poller.start();
  return { dispose: () => poller.stop(), focus: () => main.querySelector("h1").focus() };

  function applyFilters() {
    Object.assign(filters, {
      statuses: statusBoxes.filter((box) => box.checked).map((box) => box.value),
      name: nameInput.value.trim(),
      prefix: prefixInput.value.trim(),
      from: fromInput.value,
      to: toInput.value,
      size: Number(sizeSelect.value) || DEFAULT_PAGE_SIZE,
    });
    history.replaceState(null, "", listHref(writeFilters(filters)));
    tokens.length = 1;
    go(0);
  }

  function clearFilters() {
    for (const box of statusBoxes) box.checked = false;
    for (const input of [nameInput, prefixInput, fromInput, toInput]) input.value = "";
    applyFilters();
  }

  function go(index) {
    if (index < 0 || index >= tokens.length) return;
    page = index;
    poller.now();
  }

  async function refresh() {
    let result;
    try {
      result = await fetchPage(filters, tokens[page]);
    } catch (failure) {
      if (poller.stopped) return;
      error.hidden = false;
      setText(error, `Could not list instances: ${failure instanceof ApiError ? failure.message : failure}`);
      return;
    }
    if (poller.stopped) return;
    error.hidden = true;
    const nextToken = result.token;
    tokens.length = page + 1;
    if (nextToken) tokens.push(nextToken);
    for (const instance of result.instances) names.add(instance.name);
    update(nameList, [...names].sort(), (all) => all.map((name) => h("option", { value: name })));
    renderRows(body, result.instances);
    previous.disabled = page === 0;
    next.disabled = !nextToken;
    setText(pageLabel, `Page ${page + 1}`);
    const count = result.instances.length;
    setText(summary, count === 0 ? "No instances match these filters."
      : `${count} instance${count === 1 ? "" : "s"} on this page${nextToken ? "; more on the next page" : ""}.`);
  }
}

function field(label, control, ...extra) {
  const id = uniqueId("filter");
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control, extra);
}

function readFilters(params) {
  const size = Number(params.get("size"));
  return {
    statuses: params.getAll("status").filter((status) => STATUSES.includes(status)),
    name: params.get("name") ?? "",
    prefix: params.get("prefix") ?? "",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
    size: PAGE_SIZES.includes(size) ? size : DEFAULT_PAGE_SIZE,
  };
}

function writeFilters(filters) {
  const params = new URLSearchParams();
  for (const status of filters.statuses) params.append("status", status);
  for (const key of ["name", "prefix", "from", "to"]) if (filters[key]) params.set(key, filters[key]);
  if (filters.size !== DEFAULT_PAGE_SIZE) params.set("size", String(filters.size));
  return params;
}

/** One page of instances matching the filters, newest first; {instances, token}. */
async function fetchPage(filters, token) {
  const query = {
    statuses: filters.statuses,
    prefix: filters.prefix,
    createdFrom: localInputToIso(filters.from),
    createdTo: localInputToIso(filters.to),
    top: filters.size,
  };
  const wanted = filters.name.toLowerCase();
  const instances = [];
  let next = token;
  for (let read = 0; read < (wanted ? MAX_PAGES_PER_NAME_SEARCH : 1); read += 1) {
    const result = await listInstances({ ...query, token: next });
    instances.push(...result.instances.filter((i) => !wanted || (i.name ?? "").toLowerCase().includes(wanted)));
    next = result.token;
    if (!next || instances.length >= filters.size) break;
  }
  instances.sort((a, b) =>
    (b.createdTime ?? "").localeCompare(a.createdTime ?? "") || a.instanceId.localeCompare(b.instanceId));
  return { instances, token: next };
}

function renderRows(body, instances) {
  keepFocus(body, () => update(body, instances, (all) => all.length === 0
    ? h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No instances."))
    : all.map(row)));
}

function row(instance) {
  const custom = compactText(instance.customStatus);
  return h("tr", { dataset: { instanceId: instance.instanceId, status: instance.runtimeStatus } },
    h("td", { class: "name" }, instance.name ?? ""),
    h("td", { class: "instance-id" },
      h("a", { href: instanceHref(instance.instanceId) }, instance.instanceId)),
    h("td", {}, statusBadge(instance.runtimeStatus)),
    h("td", {}, time(instance.createdTime)),
    h("td", {}, time(instance.lastUpdatedTime)),
    h("td", { class: "custom-status" },
      progressBars(instance.customStatus, { compact: true }),
      h("span", { class: "custom-text", title: custom }, custom)));
}
