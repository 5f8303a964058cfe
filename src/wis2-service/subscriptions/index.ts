/** WIS2 subscriptions: model, sealed credentials, MongoDB store and the service both APIs use. */
export * from './model.js';
export { loadOrCreateKey, SecretKeyError, type EncryptedBlob } from './secrets.js';
export { SubscriptionStore, StoreUnavailableError, SUBSCRIPTIONS_COLLECTION } from './store.js';
export {
  SubscriptionService,
  type CreateSubscriptionResult, type DeleteSubscriptionResult, type GetSubscriptionResult, type ListSubscriptionsResult,
  type SubscriptionRecordsResult, type SubscriptionServiceOptions, type UpdateSubscriptionResult,
} from './service.js';
export { refusalMessage, SUBSCRIPTION_MESSAGES, type RefusalReason, type SubscriptionRefusal } from './refusals.js';
