/** The service: health, statistics and configuration (GET /health, /stats, /config; POST /stats/reset). */
import { graphql } from '../generated/index.js';

export const HealthQuery = graphql(/* GraphQL */ `
  query Health {
    health {
      status
      version
      timestamp
      uptime
      uptimeSeconds
      storage {
        uploadsWritable
        outputsWritable
        databaseReachable
      }
      tasks {
        activeCount
        totalTracked
        totalProcessed
        successRatePercent
      }
      performance {
        requestsPerSecond
        avgResponseTimeMs
        errorRatePercent
      }
      issues {
        code
        message
      }
    }
  }
`);

export const StatsQuery = graphql(/* GraphQL */ `
  query Stats {
    stats {
      uptimeSeconds
      uptimeFormatted
      requests {
        total
        perSecond
        errorRatePercent
        byMethod {
          key
          count
        }
        byStatus {
          key
          count
        }
        topEndpoints {
          key
          count
        }
      }
      performance {
        avgResponseTimeMs
        maxResponseTimeMs
        minResponseTimeMs
      }
      tasks {
        active
        totalCreated
        totalCompleted
        totalFailed
        successRatePercent
        byStatus {
          pending
          processing
          completed
          failed
        }
      }
      system {
        memoryUsagePercent
        memoryUsedGb
        memoryTotalGb
        diskUsagePercent
        diskUsedGb
        diskTotalGb
      }
      recentTasks {
        taskId
        status
        ageSeconds
        message
      }
    }
  }
`);

export const ResetStatsMutation = graphql(/* GraphQL */ `
  mutation ResetStats {
    resetStats {
      resetAt
    }
  }
`);

export const ServiceConfigQuery = graphql(/* GraphQL */ `
  query ServiceConfig {
    config {
      configuration {
        host
        port
        debug
        baseDir
        uploadFolder
        outputFolder
        maxContentLength
        logLevel
        logFile
        corsOrigins
        taskCleanupInterval
        maxTaskAge
        threads
        connectionLimit
        channelTimeout
      }
      environmentVariables {
        name
        value
        defaultValue
        documented
      }
    }
  }
`);
