// A keyboard-first type-ahead: type to filter, ↑/↓ to move, Enter or Tab to choose.
import { el } from "./format.js";

export class Combobox {
  constructor(root, { items, label, match, onChoose, maxShown = 8 }) {
    this.root = root;
    this.input = root.querySelector("input");
    this.list = root.querySelector(".combo-list");
    this.items = items;
    this.label = label;
    this.match = match;
    this.onChoose = onChoose;
    this.maxShown = maxShown;
    this.value = null;
    this.active = 0;
    this.shown = [];
    this.input.addEventListener("input", () => { this.value = null; this.refresh(); });
    this.input.addEventListener("focus", () => { if (!this.value) this.refresh(); });
    this.input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    this.input.addEventListener("keydown", (event) => this.onKey(event));
  }

  refresh() {
    const text = this.input.value.trim().toLowerCase();
    this.shown = text ? this.items.filter((item) => this.match(item, text)).slice(0, this.maxShown) : [];
    this.active = 0;
    this.render();
  }

  render() {
    this.list.replaceChildren(...this.shown.map((item, index) =>
      el("li", { role: "option", class: index === this.active ? "active" : "", "aria-selected": index === this.active ? "true" : "false",
        onmousedown: (event) => { event.preventDefault(); this.choose(item); } }, ...this.label(item))));
    this.list.hidden = this.shown.length === 0;
    this.input.setAttribute("aria-expanded", String(!this.list.hidden));
  }

  close() { this.list.hidden = true; this.input.setAttribute("aria-expanded", "false"); }

  onKey(event) {
    if (this.list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + this.shown.length) % this.shown.length;
      this.render();
    } else if ((event.key === "Enter" || event.key === "Tab") && this.shown.length) {
      if (event.key === "Enter") event.preventDefault();
      event.stopPropagation();
      this.choose(this.shown[this.active]);
    } else if (event.key === "Escape") {
      event.stopPropagation();
      this.close();
    }
  }

  choose(item) {
    this.set(item);
    this.close();
    if (this.onChoose) this.onChoose(item);
  }

  set(item) {
    this.value = item;
    this.input.value = item ? this.label(item).map((part) => (part instanceof Node ? part.textContent : part)).join(" ").replace(/\s+/g, " ").trim() : "";
  }
}
