import type { TokenizerTemplateConfig } from '../config/types.js';
import type { SessionTokenizer } from '../deps.js';
import { unknownTemplate } from '../errors/kratos-error.js';
import type { SessionWithIdentity } from '../store/types.js';
import type { ClaimsMapper, SessionDocument } from './claims-mapper.js';
import type { JwtSigner } from './jwt-signer.js';
import { buildTokenClaims } from './token-claims.js';

export interface ReadyTemplate {
  config: TokenizerTemplateConfig;
  signer: JwtSigner;
}

/**
 * `whoami?tokenize_as=<template>`: everything that can fail because of configuration was checked at start, so at
 * request time only the template name, the session (external_id) and the mapper's evaluation can fail, each with
 * Kratos's 400 reason.
 */
export class TemplateTokenizer implements SessionTokenizer {
  constructor(
    private readonly templates: ReadonlyMap<string, ReadyTemplate>,
    private readonly mapper: ClaimsMapper | null,
    private readonly issuer: string,
    private readonly now: () => Date,
  ) {}

  async tokenize(templateName: string, session: SessionWithIdentity, sessionJson: SessionDocument): Promise<string> {
    const template = this.templates.get(templateName);
    if (!template) throw unknownTemplate(templateName);
    const claims = await buildTokenClaims(
      {
        template: template.config,
        subject: { sessionId: session.id, identityId: session.identity.id, externalId: session.identity.externalId },
        sessionJson,
        issuer: this.issuer,
        now: this.now(),
      },
      this.mapper,
    );
    return template.signer.sign(claims);
  }
}

