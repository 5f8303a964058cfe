/** WIS2: subscriptions (list, fetch, create, update, delete) and download outcomes (history and live). */
import { graphql } from '../generated/index.js';

export const Wis2SubscriptionFieldsFragment = graphql(/* GraphQL */ `
  fragment Wis2SubscriptionFields on Wis2Subscription {
    id
    topic
    target
    filter
    credentials {
      type
      username
      hosts
      allowInsecureHttp
    }
    queue
  }
`);

export const Wis2DownloadFieldsFragment = graphql(/* GraphQL */ `
  fragment Wis2DownloadFields on Wis2Download {
    id
    subscriptionId
    messageId
    dataId
    metadataId
    topic
    centreId
    cache
    href
    status
    errorClass
    reason
    path
    size
    expectedSize
    mediaType
    hashMethod
    expectedHash
    actualHash
    validHash
    overwrite
    attempts
    receivedAt
    downloadStart
    downloadEnd
    recordedAt
    durationMs
  }
`);

export const Wis2SubscriptionsQuery = graphql(/* GraphQL */ `
  query Wis2Subscriptions {
    wis2Subscriptions {
      ...Wis2SubscriptionFields
    }
  }
`);

export const Wis2SubscriptionQuery = graphql(/* GraphQL */ `
  query Wis2Subscription($id: ID!) {
    wis2Subscription(id: $id) {
      ...Wis2SubscriptionFields
    }
  }
`);

export const CreateWis2SubscriptionMutation = graphql(/* GraphQL */ `
  mutation CreateWis2Subscription($input: CreateWis2SubscriptionInput!) {
    createWis2Subscription(input: $input) {
      __typename
      ... on CreateWis2SubscriptionSuccess {
        subscription {
          ...Wis2SubscriptionFields
        }
      }
      ... on Wis2SubscriptionError {
        code
        message
      }
    }
  }
`);

export const UpdateWis2SubscriptionMutation = graphql(/* GraphQL */ `
  mutation UpdateWis2Subscription($id: ID!, $input: UpdateWis2SubscriptionInput!) {
    updateWis2Subscription(id: $id, input: $input) {
      __typename
      ... on UpdateWis2SubscriptionSuccess {
        subscription {
          ...Wis2SubscriptionFields
        }
      }
      ... on Wis2SubscriptionError {
        code
        message
      }
    }
  }
`);

export const DeleteWis2SubscriptionMutation = graphql(/* GraphQL */ `
  mutation DeleteWis2Subscription($id: ID!) {
    deleteWis2Subscription(id: $id) {
      __typename
      ... on DeleteWis2SubscriptionSuccess {
        id
      }
      ... on Wis2SubscriptionError {
        code
        message
      }
    }
  }
`);

export const Wis2DownloadsQuery = graphql(/* GraphQL */ `
  query Wis2Downloads(
    $subscriptionId: ID
    $status: [Wis2DownloadStatus!]
    $since: DateTime
    $until: DateTime
    $first: Int
    $after: String
    $last: Int
    $before: String
  ) {
    wis2Downloads(
      subscriptionId: $subscriptionId
      status: $status
      since: $since
      until: $until
      first: $first
      after: $after
      last: $last
      before: $before
    ) {
      totalCount
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      edges {
        cursor
        node {
          ...Wis2DownloadFields
        }
      }
    }
  }
`);

export const Wis2DownloadEventsSubscription = graphql(/* GraphQL */ `
  subscription Wis2DownloadEvents($subscriptionId: ID) {
    wis2Downloads(subscriptionId: $subscriptionId) {
      ...Wis2DownloadFields
    }
  }
`);
