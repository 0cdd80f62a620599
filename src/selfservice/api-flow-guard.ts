import type { UiText } from '../text/messages.js';
import { text } from '../text/messages.js';

/**
 * Kratos refuses API-flow submits that look like they come from a browser (flow.EnsureCSRF): an `Origin` header,
 * or any cookie other than Cloudflare's. A browser must use a browser flow, which is CSRF-protected.
 */
export function apiFlowMisuse(headers: Headers): UiText | null {
  if (headers.has('origin')) {
    return text.generic(
      'The HTTP Request Header included the "Origin" key, indicating that this request was made as part of an AJAX request in a Browser. The flow however was initiated as an API request. To prevent potential misuse and mitigate several attack vectors including CSRF, the request has been blocked. Please consult the documentation.',
    );
  }
  const cookie = headers.get('cookie');
  if (cookie) {
    const names = cookie
      .split(';')
      .map((part) => part.split('=')[0]?.trim() ?? '')
      .filter((name) => name !== '');
    if (names.some((name) => !(name.startsWith('__cf') || name.startsWith('_cf') || name.startsWith('cf_')))) {
      return text.generic(
        'The HTTP Request Header included the "Cookie" key, indicating that this request was made by a Browser. The flow however was initiated as an API request. To prevent potential misuse and mitigate several attack vectors including CSRF, the request has been blocked. Please consult the documentation.',
      );
    }
  }
  return null;
}
