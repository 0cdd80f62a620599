import type { UiContainer, UiNode } from '../selfservice/ui-nodes.js';
import type { UiText } from '../text/messages.js';
import { attr, html, type SafeHtml } from './html.js';

/**
 * A flow's UI container as an HTML form, built only from the nodes: whatever methods and groups the flow offers
 * (password today, `oidc` provider buttons later) appear without this file knowing about them.
 * - Form-wide messages come first; a field's messages sit under it and are tied to it with aria-describedby.
 * - Submit nodes become buttons carrying their name and value (`method=password`, `provider=google`).
 * - Buttons of a group that has no fields of its own (e.g. social sign-in) skip the browser's required-field
 *   check, so a provider button works with the password fields left empty.
 */
export function renderFlowForm(ui: UiContainer): SafeHtml {
  const groupsWithFields = new Set(ui.nodes.filter((node) => isFillable(node)).map((node) => node.group));
  const nodes = ui.nodes.map((node, index) => renderNode(node, `field-${index}`, groupsWithFields));
  return html`${renderMessages(ui.messages ?? [], 'form-messages')}
<form action="${ui.action}" method="${ui.method}">
${nodes}
</form>`;
}

function isFillable(node: UiNode): boolean {
  return node.type === 'input' && !['hidden', 'submit', 'button'].includes(node.attributes.type);
}

function renderNode(node: UiNode, id: string, groupsWithFields: ReadonlySet<string>): SafeHtml {
  const a = node.attributes;
  const label = node.meta.label?.text ?? a.name;
  const value = typeof a.value === 'string' || typeof a.value === 'number' ? String(a.value) : undefined;
  if (a.type === 'hidden') return html`<input type="hidden"${attr('name', a.name)}${attr('value', value)}>\n`;
  if (a.type === 'submit' || a.type === 'button') {
    const skipValidation = !groupsWithFields.has(node.group);
    return html`<button type="submit"${attr('name', a.name)}${attr('value', value)}${attr('formnovalidate', skipValidation)}${attr('disabled', a.disabled)}${attr('class', skipValidation ? 'secondary' : null)}>${label}</button>\n`;
  }
  const messagesId = `${id}-messages`;
  const invalid = node.messages.some((m) => m.type === 'error');
  const common = html`${attr('id', id)}${attr('name', a.name)}${attr('required', a.required === true)}${attr('disabled', a.disabled)}${attr('aria-invalid', invalid ? 'true' : null)}${attr('aria-describedby', node.messages.length > 0 ? messagesId : null)}`;
  if (a.type === 'checkbox') {
    return html`<div class="field"><input type="checkbox" value="true"${common}${attr('checked', a.value === true)}> <label for="${id}">${label}</label>${renderMessages(node.messages, messagesId)}</div>\n`;
  }
  // A password is never echoed back into the page.
  const shownValue = a.type === 'password' ? undefined : value;
  return html`<div class="field"><label for="${id}">${label}</label><input${attr('type', a.type)}${common}${attr('value', shownValue)}${attr('autocomplete', a.autocomplete)}${attr('pattern', a.pattern)}>${renderMessages(node.messages, messagesId)}</div>\n`;
}

export function renderMessages(messages: readonly UiText[], id: string): SafeHtml {
  if (messages.length === 0) return html``;
  const hasError = messages.some((m) => m.type === 'error');
  return html`<ul class="messages"${attr('id', id)}${attr('role', hasError ? 'alert' : null)}>${messages.map(
    (m) => html`<li class="message ${m.type}" data-message-id="${m.id}">${m.text}</li>`,
  )}</ul>`;
}
