/**
 * Failures talking to an upstream provider. They never carry tokens, codes or state values: their messages are
 * shown to users (as message 4000001 on the flow) and logged.
 */

/** The provider cannot be used right now (discovery failed, unreachable): a 502 at submit. */
export class UpstreamUnavailableError extends Error {
  override readonly name = 'UpstreamUnavailableError';
}

/**
 * The sign-in at the provider did not produce a usable result (the provider refused, the code exchange or
 * the ID token validation failed, the claims lack a subject). `status` is what Kratos would answer (400 for
 * what the user can retry, 502 when the provider misbehaved); either way the message lands on the flow.
 */
export class UpstreamSignInError extends Error {
  override readonly name = 'UpstreamSignInError';
  constructor(
    message: string,
    readonly status: 400 | 502 = 400,
  ) {
    super(message);
  }
}
