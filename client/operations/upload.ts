/** Uploading a flight (POST /upload): send as a GraphQL multipart request with the CSRF header. */
import { graphql } from '../generated/index.js';

export const UploadFlightMutation = graphql(/* GraphQL */ `
  mutation UploadFlight($file: File!, $config: File, $priority: TaskPriority) {
    uploadFlight(file: $file, config: $config, priority: $priority) {
      __typename
      ... on UploadFlightSuccess {
        taskStatusUrl
        task {
          ...TaskFields
        }
      }
      ... on Error {
        message
      }
      ... on InvalidFileTypeError {
        part
        allowedExtensions
      }
      ... on EmptyFileError {
        part
      }
      ... on FileTooLargeError {
        part
        maxBytes
      }
      ... on InvalidConfigError {
        reason
      }
    }
  }
`);
