/** WIS2 subscriptions: model, sealed credentials, MongoDB store, rules and the REST API. */
export * from './model.js';
export { loadOrCreateKey, SecretKeyError, type EncryptedBlob } from './secrets.js';
export { SubscriptionStore, StoreUnavailableError, SUBSCRIPTIONS_COLLECTION } from './store.js';
export { MESSAGES, SubscriptionError, SubscriptionService, type SubscriptionServiceOptions } from './service.js';
export { createWis2Router, sortedJson, MAX_BODY_BYTES } from './router.js';
export {
  checkCredentialScope, credentialScope, credentialsWithheld, matchesCredentialHost, normaliseHostPattern,
  HOST_MESSAGES, MAX_CREDENTIAL_HOSTS, NO_HOSTS, type CredentialScope,
} from './credential-hosts.js';
