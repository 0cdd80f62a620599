import type { UiContainer } from '../selfservice/ui-nodes.js';
import type { FlowKind } from '../selfservice/flow.js';
import { renderFlowForm } from './flow-form.js';
import { html } from './html.js';
import { renderPage } from './layout.js';

export interface FlowPageInput {
  kind: FlowKind;
  ui: UiContainer;
  /** Starts the other flow (sign in ⇄ create account), carrying `return_to` along. */
  otherFlowUrl: string;
}

const TITLES: Record<FlowKind, string> = { login: 'Sign in', registration: 'Create an account' };

/** The built-in login or registration page: the flow's form and a link to the other flow. */
export function renderFlowPage(input: FlowPageInput): string {
  const other =
    input.kind === 'login'
      ? html`No account yet? <a href="${input.otherFlowUrl}">Create an account</a>`
      : html`Already have an account? <a href="${input.otherFlowUrl}">Sign in</a>`;
  return renderPage(
    TITLES[input.kind],
    html`<h1>${TITLES[input.kind]}</h1>
${renderFlowForm(input.ui)}
<p class="links">${other}</p>`,
  );
}
