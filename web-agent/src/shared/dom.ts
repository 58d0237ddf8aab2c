/** A tiny element builder for the staff pages (no framework): attributes, then children. */

type Attributes = Record<string, string | number | boolean | undefined | null>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children);
  return element;
}

/** Shows or hides an element (the `hidden` attribute, so CSS and tests agree). */
export function show(element: HTMLElement, visible: boolean): void {
  element.hidden = !visible;
}
