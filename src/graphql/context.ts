/** The GraphQL context, built in one place for HTTP (Yoga) and WebSocket (graphql-ws through Yoga's envelop). */
import type { IncomingMessage } from 'node:http';
import type { YogaInitialContext } from 'graphql-yoga';
import type { AppServices } from '../app-services.js';
import type { GraphqlContext, Language } from '../../schema/builder.js';

/** Like the REST API: `Accept-Language: en…` gives English, anything else the documented Chinese. */
export function languageOf(acceptLanguage: string | null | undefined): Language {
  return acceptLanguage?.trim().toLowerCase().startsWith('en') ? 'en' : 'zh';
}

export interface ServerContext {
  req?: IncomingMessage;
}

export function contextFactory(services: AppServices) {
  return (initial: Partial<YogaInitialContext> & ServerContext): GraphqlContext => {
    const header = initial.request?.headers.get('accept-language') ?? initial.req?.headers['accept-language'];
    return { services, language: languageOf(header) };
  };
}
