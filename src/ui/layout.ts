import { html, SafeHtml } from './html.js';

/**
 * The frame of every built-in page: no external assets (the CSS is inline and tiny), no JavaScript, a
 * language and a viewport so screen readers and phones get it right.
 */
const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f4f5f7}
main{max-width:26rem;margin:3rem auto;padding:2rem;background:#fff;border:1px solid #d8dce1;border-radius:.5rem}
h1{font-size:1.4rem;margin:0 0 1.25rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
.field{margin-bottom:1rem}
input:not([type=checkbox]):not([type=hidden]){width:100%;padding:.55rem .6rem;font:inherit;border:1px solid #9aa3ad;border-radius:.3rem}
input:focus,button:focus,a:focus{outline:3px solid #7aa7ff;outline-offset:1px}
input[aria-invalid=true]{border-color:#b3261e}
button{width:100%;padding:.6rem;margin-top:.25rem;font:inherit;font-weight:600;color:#fff;background:#2251c5;border:0;border-radius:.3rem;cursor:pointer}
button.secondary{color:#1b1f24;background:#e6e9ee}
.messages{margin:0 0 1rem;padding:0;list-style:none}
.field .messages{margin:.3rem 0 0}
.message{padding:.4rem .6rem;border-radius:.3rem;background:#eef3ff}
.message.error{color:#8c1d18;background:#fdecea}
.message.success{color:#1d5c2e;background:#e7f5ea}
.links{margin-top:1.25rem;font-size:.95rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:0 0 1.25rem}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
code{overflow-wrap:anywhere}
`;

/** A constant of this file, never user input, so it goes in verbatim. */
const STYLESHEET = new SafeHtml(STYLE);

export function renderPage(title: string, content: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${STYLESHEET}</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>
`.value;
}
