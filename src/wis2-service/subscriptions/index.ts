/** WIS2 subscriptions: model, sealed credentials, MongoDB store and the service both APIs use. */
export * from './model.js';
export { loadOrCreateKey, SecretKeyError, type EncryptedBlob } from './secrets.js';
export { SubscriptionStore, StoreUnavailableError, SUBSCRIPTIONS_COLLECTION } from './store.js';
export { MESSAGES, SubscriptionError, SubscriptionService, type SubscriptionServiceOptions } from './service.js';
