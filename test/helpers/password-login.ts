import type { TestServer } from './server.js';

/** Logs in through the native API flow with the official SDK and returns the session token and session id. */
export async function loginWithPassword(server: TestServer, identifier: string, password: string): Promise<{ token: string; sessionId: string }> {
  const flow = await server.frontend.createNativeLoginFlow();
  const login = await server.frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'password', identifier, password } });
  return { token: login.session_token ?? '', sessionId: login.session.id };
}
