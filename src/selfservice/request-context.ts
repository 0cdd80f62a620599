import type { ClientInfo } from '../session/issue-session.js';

/** What a flow needs to know about the HTTP request, independent of the web framework. */
export interface RequestContext extends ClientInfo {
  url: string;
  headers: Headers;
}
