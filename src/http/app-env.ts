import type { HttpBindings } from '@hono/node-server';
import type { ClientInfo } from '../session/issue-session.js';
import type { RequestSession } from '../session/request-session.js';

/** The typed Hono environment shared by both apps. `incoming` is absent when a test calls `app.request()`. */
export interface AppEnv {
  Bindings: Partial<HttpBindings>;
  Variables: {
    requestId: string | undefined;
    client: ClientInfo;
    /** The caller's session, looked up on first use (public app only: middleware/request-session.ts). */
    session: RequestSession;
  };
}
