/** A decoded JSON object whose keys are not known in advance (traits, metadata, a credential's config). */
export type JsonObject = Record<string, unknown>;
