import { html } from './html.js';
import { renderPage } from './layout.js';

export interface WelcomePageInput {
  /** Null when the browser has no valid session. */
  signedIn: {
    identityId: string;
    traits: Record<string, unknown>;
    expiresAt: Date;
    logoutUrl: string;
    whoamiUrl: string;
    /** `whoami?tokenize_as=` links, one per configured tokenizer template. */
    tokenizeUrls: Array<{ template: string; url: string }>;
  } | null;
  loginUrl: string;
  registrationUrl: string;
}

/** The default landing page after sign-in: who you are, and the way out. */
export function renderWelcomePage(input: WelcomePageInput): string {
  const who = input.signedIn;
  if (!who) {
    return renderPage(
      'Welcome',
      html`<h1>Welcome</h1>
<p>You are not signed in.</p>
<p class="links"><a href="${input.loginUrl}">Sign in</a> · <a href="${input.registrationUrl}">Create an account</a></p>`,
    );
  }
  const traits = Object.entries(who.traits).map(([name, value]) => html`<dt>${name}</dt><dd data-trait="${name}">${traitText(value)}</dd>`);
  const tokenize = who.tokenizeUrls.map(({ template, url }) => html` · <a href="${url}">JWT for ${template}</a>`);
  return renderPage(
    'Welcome',
    html`<h1>Welcome</h1>
<p>You are signed in.</p>
<dl>
<dt>Identity</dt><dd><code data-identity-id>${who.identityId}</code></dd>
${traits}
<dt>Session until</dt><dd>${who.expiresAt.toISOString()}</dd>
</dl>
<p class="links"><a href="${who.whoamiUrl}">Session (whoami)</a>${tokenize}</p>
<p class="links"><a href="${who.logoutUrl}" id="logout">Sign out</a></p>`,
  );
}

function traitText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}
