import type { HttpBindings } from '@hono/node-server';
import type { ClientInfo } from '../session/issue-session.js';

/** The typed Hono environment shared by both apps. `incoming` is absent when a test calls `app.request()`. */
export interface AppEnv {
  Bindings: Partial<HttpBindings>;
  Variables: {
    requestId: string | undefined;
    client: ClientInfo;
  };
}
