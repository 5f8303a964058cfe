/** Tasks: fetch, list, update, delete, and follow them live. */
import { graphql } from '../generated/index.js';

export const ResultFileFieldsFragment = graphql(/* GraphQL */ `
  fragment ResultFileFields on ResultFile {
    name
    relPath
    downloadUrl
    size
    type
    gas
  }
`);

export const TaskFieldsFragment = graphql(/* GraphQL */ `
  fragment TaskFields on Task {
    id
    status
    message
    priority
    createdAt
    updatedAt
    startedAt
    finishedAt
    processingTimeSeconds
    inputFileName
    inputSize
    configFileName
    reportName
    progress {
      stage
      gas
      completedSteps
      totalSteps
      percent
      estimatedTimeRemaining
    }
    results {
      ...ResultFileFields
    }
    flux {
      physics
      spatial
      grid {
        nx
        ny
        xCellSizeM
        yCellSizeM
      }
      gases {
        gas
        detected
        fluxKgPerHour
        positiveKgPerHour
        negativeKgPerHour
        signalPoints
        backgroundPoints
      }
      warnings {
        code
        message
        gas
      }
    }
    runDirectory
    totalSize
    error {
      message
      stage
      errorCode
      traceback
    }
    attempts
    version
  }
`);

export const TaskQuery = graphql(/* GraphQL */ `
  query Task($id: ID!) {
    task(id: $id) {
      ...TaskFields
    }
  }
`);

export const TasksQuery = graphql(/* GraphQL */ `
  query Tasks($status: [TaskStatus!], $sortBy: TaskSortField, $sortOrder: SortOrder, $first: Int, $after: String) {
    tasks(status: $status, sortBy: $sortBy, sortOrder: $sortOrder, first: $first, after: $after) {
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
          ...TaskFields
        }
      }
    }
  }
`);

export const UpdateTaskMutation = graphql(/* GraphQL */ `
  mutation UpdateTask($id: ID!, $input: UpdateTaskInput!) {
    updateTask(id: $id, input: $input) {
      __typename
      ... on UpdateTaskSuccess {
        task {
          ...TaskFields
        }
      }
      ... on Error {
        message
      }
      ... on TaskNotFoundError {
        taskId
      }
      ... on InvalidStatusError {
        allowedValues
      }
      ... on InvalidPriorityError {
        allowedPriorities: allowedValues
      }
      ... on InvalidMessageError {
        maxLength
      }
    }
  }
`);

export const DeleteTaskMutation = graphql(/* GraphQL */ `
  mutation DeleteTask($id: ID!) {
    deleteTask(id: $id) {
      __typename
      ... on DeleteTaskSuccess {
        taskId
        taskStatus
        foldersDeleted
        totalSizeDeleted
      }
      ... on Error {
        message
      }
      ... on TaskNotFoundError {
        taskId
      }
      ... on TaskActiveError {
        taskStatus
      }
    }
  }
`);

export const TaskUpdatedSubscription = graphql(/* GraphQL */ `
  subscription TaskUpdated($id: ID!) {
    taskUpdated(id: $id) {
      ...TaskFields
    }
  }
`);

export const TaskEventsSubscription = graphql(/* GraphQL */ `
  subscription TaskEvents {
    taskEvents {
      id
      status
      message
      updatedAt
      version
      progress {
        stage
        completedSteps
        totalSteps
        percent
      }
    }
  }
`);
