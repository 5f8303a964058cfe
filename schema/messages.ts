/**
 * The words of typed errors: the domain's catalogue (src/domain/messages.ts), which the REST API answers with too, so
 * an outcome reads the same in both APIs. A resolver picks one with the request's language.
 */
export { DOMAIN_MESSAGES as messages, type Message } from '../src/domain/messages.js';
