import { html } from './html.js';
import { renderPage } from './layout.js';

export interface ErrorPageInput {
  /** The HTTP status, when the page stands in for an error response. */
  code?: number;
  id?: string | undefined;
  message: string;
  reason?: string | undefined;
  /** Where to start over, usually the login flow. */
  startOverUrl: string;
}

/** What a person sees instead of error JSON: what went wrong, in words, and a way back in. */
export function renderErrorPage(input: ErrorPageInput): string {
  return renderPage(
    'Something went wrong',
    html`<h1>Something went wrong</h1>
<ul class="messages" role="alert"><li class="message error">${input.message}</li></ul>
${input.reason ? html`<p>${input.reason}</p>` : html``}
${input.code || input.id ? html`<p><small>Error ${input.code ?? ''}${input.id ? html` <code data-error-id>${input.id}</code>` : html``}</small></p>` : html``}
<p class="links"><a href="${input.startOverUrl}">Start over</a></p>`,
  );
}
