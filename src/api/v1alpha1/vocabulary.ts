// The ApiIntegration API's vocabulary: closed value sets, the service-integration subtypes and their
// action parameters, the headers API Gateway will not map, and the key shapes that the CEL rules of
// schema.ts and the runtime validator share. schema.ts re-exports all of it; what both kinds use
// (HTTP methods, the policies, the IAM role shape) is in group.ts.

/**
 * Longest `spec.description`, in characters here and in UTF-8 bytes in validation-structure.ts:
 * AWS caps descriptions at 1024 and the operator appends a 55-character ownership marker.
 */
export const DESCRIPTION_MAX = 960;

export const INTEGRATION_TYPES = ['AWS', 'AWS_PROXY', 'HTTP', 'HTTP_PROXY', 'MOCK'] as const;
export const CONNECTION_TYPES = ['INTERNET', 'VPC_LINK'] as const;
export const PAYLOAD_FORMAT_VERSIONS = ['1.0', '2.0'] as const;
export const PASSTHROUGH_BEHAVIORS = ['WHEN_NO_MATCH', 'WHEN_NO_TEMPLATES', 'NEVER'] as const;
export const CONTENT_HANDLING_STRATEGIES = ['CONVERT_TO_BINARY', 'CONVERT_TO_TEXT'] as const;

/** HTTP API service integrations: action parameters each subtype requires and accepts. */
export const SUBTYPE_PARAMETERS = {
  'EventBridge-PutEvents': {
    required: ['Detail', 'DetailType', 'Source'],
    optional: ['Time', 'EventBusName', 'Resources', 'Region', 'TraceHeader'],
  },
  'SQS-SendMessage': {
    required: ['QueueUrl', 'MessageBody'],
    optional: [
      'DelaySeconds',
      'MessageAttributes',
      'MessageDeduplicationId',
      'MessageGroupId',
      'MessageSystemAttributes',
      'Region',
    ],
  },
  'SQS-ReceiveMessage': {
    required: ['QueueUrl'],
    optional: [
      'AttributeNames',
      'MaxNumberOfMessages',
      'MessageAttributeNames',
      'ReceiveRequestAttemptId',
      'VisibilityTimeout',
      'WaitTimeSeconds',
      'Region',
    ],
  },
  'SQS-DeleteMessage': { required: ['ReceiptHandle', 'QueueUrl'], optional: ['Region'] },
  'SQS-PurgeQueue': { required: ['QueueUrl'], optional: ['Region'] },
  'AppConfig-GetConfiguration': {
    required: ['Application', 'Environment', 'Configuration', 'ClientId'],
    optional: ['ClientConfigurationVersion', 'Region'],
  },
  'Kinesis-PutRecord': {
    required: ['StreamName', 'Data', 'PartitionKey'],
    optional: ['SequenceNumberForOrdering', 'ExplicitHashKey', 'Region'],
  },
  'StepFunctions-StartExecution': { required: ['StateMachineArn'], optional: ['Name', 'Input', 'Region'] },
  'StepFunctions-StartSyncExecution': {
    required: ['StateMachineArn'],
    optional: ['Name', 'Input', 'Region', 'TraceHeader'],
  },
  'StepFunctions-StopExecution': { required: ['ExecutionArn'], optional: ['Cause', 'Error', 'Region'] },
} as const satisfies Record<string, { required: readonly string[]; optional: readonly string[] }>;
export type IntegrationSubtype = keyof typeof SUBTYPE_PARAMETERS;
export const INTEGRATION_SUBTYPES = Object.keys(SUBTYPE_PARAMETERS) as IntegrationSubtype[];

/** Headers API Gateway refuses to map, in requests and responses alike. */
export const RESERVED_HEADER_PREFIXES = ['access-control-', 'apigw-', 'x-amz-', 'x-amzn-'] as const;
export const RESERVED_HEADERS = [
  'authorization',
  'connection',
  'content-encoding',
  'content-length',
  'content-location',
  'forwarded',
  'keep-alive',
  'origin',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'via',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
] as const;

// Key shapes shared by the CEL rules below and the runtime validator.
export const HTTP_REQUEST_MAPPING_KEY = '^(append|overwrite|remove):(header|querystring)\\.[^\\s]+$|^overwrite:path$';
export const WEBSOCKET_REQUEST_KEY = '^integration\\.request\\.(header|querystring|path)\\.[^\\s]+$';
export const SUBTYPE_PARAMETER_KEY = '^[A-Z][A-Za-z]+$';
export const RESPONSE_MAPPING_KEY = '^(append|overwrite|remove):header\\.[^\\s]+$|^overwrite:statuscode$';
export const STATUS_CODE_KEY = '^[2-5][0-9][0-9]$';
export const RESERVED_HEADER_KEY =
  '(?i)^(append|overwrite|remove):header\\.(' +
  RESERVED_HEADER_PREFIXES.map((p) => `${p}.*`).join('|') +
  '|' +
  RESERVED_HEADERS.join('|') +
  ')$';
