// The dashboard's own addresses (in the URL fragment, so the page never reloads):
// `#/?status=Running&prefix=order-` (the list, with its filters) and `#/instances/<id>`.

const INSTANCE_ROUTE = "#/instances/";

export function instanceHref(instanceId) {
  return INSTANCE_ROUTE + encodeURIComponent(instanceId);
}

export function listHref(params = new URLSearchParams()) {
  const text = params.toString();
  return text ? `#/?${text}` : "#/";
}

/** {view: "instance", instanceId} or {view: "list", params}. */
export function parseRoute(hash) {
  if (hash.startsWith(INSTANCE_ROUTE)) {
    try {
      return { view: "instance", instanceId: decodeURIComponent(hash.slice(INSTANCE_ROUTE.length)) };
    } catch {
      return { view: "list", params: new URLSearchParams() };
    }
  }
  const query = hash.indexOf("?");
  return { view: "list", params: new URLSearchParams(query < 0 ? "" : hash.slice(query + 1)) };
}
