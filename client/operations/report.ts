/** The report listing (GET /reports). */
import { graphql } from '../generated/index.js';

export const ReportsQuery = graphql(/* GraphQL */ `
  query Reports($status: ReportStatusFilter, $sortBy: TaskSortField, $sortOrder: SortOrder, $first: Int, $after: String) {
    reports(status: $status, sortBy: $sortBy, sortOrder: $sortOrder, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        hasPreviousPage
        endCursor
      }
      edges {
        node {
          taskId
          reportName
          status
          createdAt
          fileCount
          totalSize
          processingTimeSeconds
          mainReport {
            ...ResultFileFields
          }
          allFiles {
            ...ResultFileFields
          }
          runDirectory
        }
      }
    }
  }
`);
