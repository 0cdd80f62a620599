/** Small helpers for raw HTTP calls in tests (where the SDK cannot express the request). */
export async function jsonOf(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`expected JSON, got ${response.status}: ${text.slice(0, 200)}`);
  }
}

export function uiMessageIds(flow: Record<string, unknown>): number[] {
  const ui = flow.ui as { messages?: Array<{ id: number }>; nodes: Array<{ messages: Array<{ id: number }> }> };
  return [...(ui.messages ?? []).map((m) => m.id), ...ui.nodes.flatMap((n) => n.messages.map((m) => m.id))];
}

export async function registerViaApi(publicUrl: string, email: string, password: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const flow = await jsonOf(await fetch(`${publicUrl}/self-service/registration/api`));
  const response = await fetch(`${publicUrl}/self-service/registration?flow=${String(flow.id)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ method: 'password', password, traits: { email } }),
  });
  return { status: response.status, body: await jsonOf(response) };
}

export async function loginViaApi(publicUrl: string, identifier: string, password: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const flow = await jsonOf(await fetch(`${publicUrl}/self-service/login/api`));
  const response = await fetch(`${publicUrl}/self-service/login?flow=${String(flow.id)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'password', identifier, password }),
  });
  return { status: response.status, body: await jsonOf(response) };
}
