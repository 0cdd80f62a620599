/**
 * Kratos's UI messages (text/id.go and text/message_*.go): the ids, texts and contexts that clients and the Ory SDK
 * key on. Only messages Tessera emits are listed.
 */
export type UiTextType = 'info' | 'error' | 'success';

export interface UiText {
  id: number;
  text: string;
  type: UiTextType;
  context?: Record<string, unknown>;
}

const info = (id: number, text: string, context?: Record<string, unknown>): UiText => (context ? { id, text, type: 'info', context } : { id, text, type: 'info' });
const error = (id: number, text: string, context?: Record<string, unknown>): UiText => (context ? { id, text, type: 'error', context } : { id, text, type: 'error' });

export const text = {
  // Labels and buttons
  loginWithPassword: (): UiText => info(1010022, 'Sign in with password'),
  loginWith: (provider: string, providerId?: string): UiText => info(1010002, `Sign in with ${provider}`, providerId === undefined ? { provider } : { provider, provider_id: providerId }),
  signUp: (): UiText => info(1040001, 'Sign up'),
  signUpWith: (provider: string, providerId?: string): UiText => info(1040002, `Sign up with ${provider}`, providerId === undefined ? { provider } : { provider, provider_id: providerId }),
  registrationContinue: (): UiText => info(1040003, 'Continue'),
  labelPassword: (): UiText => info(1070001, 'Password'),
  labelGenerated: (title: string, name: string): UiText => info(1070002, title, { title, name }),
  labelId: (): UiText => info(1070004, 'ID'),
  linkAndSignIn: (): UiText => info(1010017, 'Sign in and link'),
  linkConfirmWith: (provider: string): UiText => info(1010018, `Confirm with ${provider}`, { provider }),
  accountLinkingDuplicate: (identifier: string, provider: string, context: Record<string, unknown>): UiText =>
    info(
      1010016,
      `You tried to sign in with "${identifier}", but that email is already used by another account. Sign in to your account with one of the options below to add your account "${identifier}" at "${provider}" as another way to sign in.`,
      context,
    ),

  // Validation errors
  generic: (reason: string): UiText => error(4000001, reason, { reason }),
  required: (property: string): UiText => error(4000002, `Property ${property} is missing.`, { property }),
  minLength: (minLength: number, actualLength: number): UiText =>
    error(4000003, `length must be >= ${minLength}, but got ${actualLength}`, { min_length: minLength, actual_length: actualLength }),
  invalidFormat: (pattern: string): UiText => error(4000004, `does not match pattern "${pattern}"`, { pattern }),
  invalidCredentials: (): UiText =>
    error(4000006, 'The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.'),
  duplicateCredentials: (): UiText => error(4000007, 'An account with the same identifier (email, phone, username, ...) exists already.'),
  identifierMissing: (): UiText =>
    error(4000009, 'Could not find any login identifiers. Did you forget to set them? This could also be caused by a server misconfiguration.'),
  maxLength: (maxLength: number, actualLength: number): UiText =>
    error(4000017, `length must be <= ${maxLength}, but got ${actualLength}`, { max_length: maxLength, actual_length: actualLength }),
  minimum: (minimum: number, actual: number): UiText => error(4000018, `must be >= ${minimum} but found ${actual}`, { minimum, actual }),
  maximum: (maximum: number, actual: number): UiText => error(4000020, `must be <= ${maximum} but found ${actual}`, { maximum, actual }),
  wrongType: (allowedTypes: string[], actualType: string): UiText =>
    error(4000026, `expected ${allowedTypes.join(' or ')}, but got ${actualType}`, { allowed_types: allowedTypes, actual_type: actualType }),
  passwordTooSimilar: (): UiText => error(4000031, 'The password can not be used because it is too similar to the identifier.'),
  passwordTooShort: (minLength: number, actualLength: number): UiText =>
    error(4000032, `The password must be at least ${minLength} characters long, but got ${actualLength}.`, { min_length: minLength, actual_length: actualLength }),
  passwordTooLong: (maxLength: number, actualLength: number): UiText =>
    error(4000033, `The password must be at most ${maxLength} characters long, but got ${actualLength}.`, { max_length: maxLength, actual_length: actualLength }),

  linkedCredentialsMismatch: (): UiText => error(4010009, 'Linked credentials do not match.'),
  noLoginStrategy: (): UiText => error(4010002, 'Could not find a strategy to log you in with. Did you fill out the form correctly?'),
  noRegistrationStrategy: (): UiText => error(4010003, 'Could not find a strategy to sign you up with. Did you fill out the form correctly?'),
  loginAlreadyCompleted: (): UiText => error(4010007, 'The login request was already completed successfully and can not be retried.'),
  registrationAlreadyCompleted: (): UiText => error(4040002, 'The registration request was already completed successfully and can not be retried.'),
  loginFlowExpired: (expiredAt: Date, now: Date): UiText =>
    error(4010001, `The login flow expired ${minutesSince(expiredAt, now)} minutes ago, please try again.`, {
      expired_at: expiredAt.toISOString(),
      expired_at_unix: Math.floor(expiredAt.getTime() / 1000),
    }),
  registrationFlowExpired: (expiredAt: Date, now: Date): UiText =>
    error(4040001, `The registration flow expired ${minutesSince(expiredAt, now)} minutes ago, please try again.`, {
      expired_at: expiredAt.toISOString(),
      expired_at_unix: Math.floor(expiredAt.getTime() / 1000),
    }),
};

export function minutesSince(then: Date, now: Date): string {
  return ((now.getTime() - then.getTime()) / 60_000).toFixed(2);
}
