// The dashboard's entry point: routes the URL fragment to the list or an instance page.

import { renderInstance } from "./instance.js";
import { renderList } from "./list.js";
import { setUpLiveUpdates } from "./poller.js";
import { parseRoute } from "./routes.js";

const main = document.getElementById("main");
let view = null;

function show({ moveFocus }) {
  view?.dispose();
  document.getElementById("toast").textContent = "";
  const route = parseRoute(location.hash);
  view = route.view === "instance" ? renderInstance(main, route.instanceId) : renderList(main, route.params);
  document.title = route.view === "instance"
    ? `${route.instanceId} · Durable Functions dashboard`
    : "Instances · Durable Functions dashboard";
  if (moveFocus) view.focus();
}

setUpLiveUpdates();
window.addEventListener("hashchange", () => show({ moveFocus: true }));
show({ moveFocus: false });
