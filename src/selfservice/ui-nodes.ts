import type { TraitField } from '../identity/identity-schemas.js';
import { text, type UiText } from '../text/messages.js';

/**
 * Kratos UI nodes (ui/node): what a login or registration form is made of. `messages` is always an array, the
 * Ory SDK maps over it unconditionally.
 */
export type NodeGroup = 'default' | 'password' | 'oidc';

export interface InputAttributes {
  name: string;
  type: string;
  value?: unknown;
  required?: boolean;
  autocomplete?: string;
  pattern?: string;
  disabled: boolean;
  node_type: 'input';
}

export interface UiNode {
  type: 'input';
  group: NodeGroup;
  attributes: InputAttributes;
  messages: UiText[];
  meta: { label?: UiText };
}

export interface UiContainer {
  action: string;
  method: 'POST';
  nodes: UiNode[];
  messages?: UiText[];
}

export function inputNode(group: NodeGroup, attributes: Omit<InputAttributes, 'disabled' | 'node_type'>, label?: UiText): UiNode {
  return {
    type: 'input',
    group,
    attributes: { ...attributes, disabled: false, node_type: 'input' },
    messages: [],
    meta: label ? { label } : {},
  };
}

export function csrfNode(token: string): UiNode {
  return inputNode('default', { name: 'csrf_token', type: 'hidden', value: token, required: true });
}

export function loginPasswordNodes(identifierLabel: UiText): UiNode[] {
  return [
    inputNode('default', { name: 'identifier', type: 'text', value: '', required: true, autocomplete: 'username webauthn' }, identifierLabel),
    inputNode('password', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' }, text.labelPassword()),
    inputNode('password', { name: 'method', type: 'submit', value: 'password' }, text.loginWithPassword()),
  ];
}

/** One node per trait, typed from its JSON Schema format as Kratos does (email, tel, date, url, ...). */
export function traitNodes(fields: TraitField[], group: NodeGroup = 'default'): UiNode[] {
  return fields.map((field) => {
    const attributes: Omit<InputAttributes, 'disabled' | 'node_type'> = { name: `traits.${field.path}`, type: inputTypeOf(field) };
    if (field.required) attributes.required = true;
    if (field.format === 'email') attributes.autocomplete = 'email';
    if (field.format === 'tel') attributes.autocomplete = 'tel';
    if (field.pattern) attributes.pattern = field.pattern;
    const label = field.title ? text.labelGenerated(field.title, `traits.${field.path}`) : undefined;
    return inputNode(group, attributes, label);
  });
}

export function registrationPasswordNodes(): UiNode[] {
  return [
    inputNode('password', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' }, text.labelPassword()),
    inputNode('password', { name: 'method', type: 'submit', value: 'password' }, text.signUp()),
  ];
}

function inputTypeOf(field: TraitField): string {
  switch (field.format) {
    case 'email':
      return 'email';
    case 'tel':
      return 'tel';
    case 'date':
      return 'date';
    case 'date-time':
      return 'datetime-local';
    case 'uri':
      return 'url';
  }
  if (field.type === 'number' || field.type === 'integer') return 'number';
  if (field.type === 'boolean') return 'checkbox';
  return 'text';
}

/** Sets a node's value (or clears it) by name. */
export function setNodeValue(container: UiContainer, name: string, value: unknown): void {
  const node = container.nodes.find((n) => n.attributes.name === name);
  if (node) node.attributes.value = value;
}

/** Removes every message from the container and its nodes, before a submit adds new ones. */
export function clearMessages(container: UiContainer): void {
  delete container.messages;
  for (const node of container.nodes) node.messages = [];
}

/** Adds a message to the node with that name, or to the form when there is no such node. */
export function addMessage(container: UiContainer, nodeName: string | null, message: UiText): void {
  const node = nodeName ? container.nodes.find((n) => n.attributes.name === nodeName) : undefined;
  if (node) node.messages.push(message);
  else (container.messages ??= []).push(message);
}
