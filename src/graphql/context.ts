/** The GraphQL context, built in one place for HTTP (Yoga) and WebSocket (graphql-ws through Yoga's envelop). */
import type { IncomingMessage } from 'node:http';
import type { YogaInitialContext } from 'graphql-yoga';
import type { AppServices } from '../app-services.js';
import type { GraphqlContext } from '../../schema/builder.js';
import { pickLanguage } from '../domain/language.js';

export interface ServerContext {
  req?: IncomingMessage;
}

export function contextFactory(services: AppServices) {
  return (initial: Partial<YogaInitialContext> & ServerContext): GraphqlContext => {
    const header = initial.request?.headers.get('accept-language') ?? initial.req?.headers['accept-language'];
    return { services, language: pickLanguage(header) };
  };
}
