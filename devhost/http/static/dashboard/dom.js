// Building DOM nodes from data without ever parsing markup: every string becomes a text node or an
// attribute value, so nothing an instance carries (ids, custom status, payloads) can create elements.

const PROPERTIES = new Set(["value", "checked", "disabled", "hidden", "selected", "open", "max"]);

/**
 * h("a", {href: "#/", class: "x", on: {click}}, "text", child, [more]) -> an element.
 * Props: `class`, `text` (textContent), `on` (event listeners), `dataset`, form properties; anything
 * else is set with setAttribute. `on*` and `style` attributes are refused: handlers go through `on`,
 * and styles through CSS classes or the CSSOM (the Content-Security-Policy allows nothing inline);
 * links may only point inside the page (`#/...`), so no data can become a `javascript:` URL.
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "on") for (const [type, listener] of Object.entries(value)) node.addEventListener(type, listener);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (PROPERTIES.has(key)) node[key] = value;
    else if (/^on/i.test(key) || key === "style") throw new Error(`refusing attribute ${key}`);
    else if (key === "href" && !String(value).startsWith("#")) throw new Error("only in-page links");
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

/** Append children: nodes as they are, strings and numbers as text, arrays flattened, null skipped. */
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Set `node`'s text only when it changes (live regions would announce a rewrite of the same text). */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Replace what `node` shows with `children`. */
export function fill(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

const shown = new WeakMap();

/**
 * Re-render `node` with `render(value)` only when `value` differs from what it shows, so that periodic
 * refreshes do not disturb focus, selection or opened <details>.
 */
export function update(node, value, render) {
  const signature = JSON.stringify(value) ?? "undefined";
  if (shown.get(node) === signature) return false;
  shown.set(node, signature);
  fill(node, render(value));
  return true;
}

/**
 * Run `render` (which returns whether it replaced anything) and, when the focused link inside
 * `container` was replaced, focus its replacement (same href), so live refreshes keep keyboard users' place.
 */
export function keepFocus(container, render) {
  const active = document.activeElement;
  const href = active && container.contains(active) ? active.getAttribute("href") : null;
  const changed = render();
  if (changed && href) {
    [...container.querySelectorAll("a[href]")].find((link) => link.getAttribute("href") === href)?.focus();
  }
  return changed;
}

let counter = 0;
/** An element id unique in this page load, for label/aria references. */
export function uniqueId(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Show a short message in the page's status area (announced by screen readers). */
export function toast(message, kind = "info") {
  const area = document.getElementById("toast");
  area.dataset.kind = kind;
  area.textContent = message;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { area.textContent = ""; }, 6000);
}
