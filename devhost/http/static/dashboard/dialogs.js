// Confirmation dialogs (<dialog>, modal, Escape cancels): every action asks first.

import { h, uniqueId } from "./dom.js";

/**
 * Ask for confirmation and, optionally, values: resolves to {field name: value} (JSON fields parsed)
 * or null when cancelled. Fields: {name, label, kind: "text" | "json", value, required, hint}.
 */
export function confirmDialog({ title, message, fields = [], confirmLabel, danger = false }) {
  return new Promise((resolve) => {
    const titleId = uniqueId("dialog-title");
    const messageId = uniqueId("dialog-message");
    const controls = fields.map((field) => control(field));
    const cancel = h("button", { type: "button", class: "button" }, "Cancel");
    const form = h("form", { class: "dialog-form", novalidate: true },
      h("h2", { id: titleId }, title),
      h("p", { id: messageId }, message),
      controls.map((c) => c.wrapper),
      h("div", { class: "dialog-buttons" },
        cancel,
        h("button", { type: "submit", class: danger ? "button danger" : "button primary" }, confirmLabel)));
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": titleId, "aria-describedby": messageId }, form);

    const finish = (values) => {
      dialog.close();
      dialog.remove();
      resolve(values);
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const values = {};
      for (const c of controls) {
        const value = c.read();
        if (value === INVALID) {
          c.input.reportValidity();
          c.input.focus();
          return;
        }
        values[c.field.name] = value;
      }
      finish(values);
    });
    cancel.addEventListener("click", () => finish(null));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(null);
    });
    document.body.append(dialog);
    dialog.showModal();
    (controls[0]?.input ?? cancel).focus();
  });
}

const INVALID = Symbol("invalid");

function control(field) {
  const id = uniqueId(`field-${field.name}`);
  const hintId = field.hint ? `${id}-hint` : null;
  const attributes = {
    id, name: field.name, required: field.required, "aria-describedby": hintId, value: field.value ?? "",
  };
  const input = field.kind === "json"
    ? h("textarea", { ...attributes, rows: 5, spellcheck: "false", class: "code" })
    : h("input", { ...attributes, type: "text", autocomplete: "off" });
  input.addEventListener("input", () => input.setCustomValidity(""));
  const wrapper = h("div", { class: "field" },
    h("label", { for: id }, field.label),
    input,
    hintId ? h("small", { id: hintId, class: "hint" }, field.hint) : null);
  const read = () => {
    const text = input.value;
    if (field.required && !text.trim()) {
      input.setCustomValidity(`${field.label} is required.`);
      return INVALID;
    }
    if (field.kind !== "json") return text;
    try {
      return JSON.parse(text.trim() || "null");
    } catch (error) {
      input.setCustomValidity(`Not valid JSON: ${error.message}`);
      return INVALID;
    }
  };
  return { field, input, wrapper, read };
}
