import { KratosError } from '../errors/kratos-error.js';

/** The refusals every method of a flow shares, with Kratos's ids and reasons. */

export const ALREADY_LOGGED_IN_REASON = 'A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?';

export function sessionAlreadyAvailable(): KratosError {
  return new KratosError(400, { id: 'session_already_available', reason: ALREADY_LOGGED_IN_REASON, message: 'you are already logged in' });
}

export function registrationDisabled(): KratosError {
  return new KratosError(400, { id: 'self_service_flow_disabled', reason: 'Registration is not allowed because it was disabled.', message: 'registration flow disabled' });
}
