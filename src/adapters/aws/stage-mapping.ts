// Converts between the stage fields in the spec's lowerCamelCase names and the SDK's PascalCase
// shapes, and reads deployments. The names are checked by the compiler against the SDK's types:
// a member CreateStage, UpdateStage or Stage does not have fails to compile.
import type {
  CreateStageCommandInput,
  Deployment,
  RouteSettings as SdkRouteSettings,
  Stage,
} from '@aws-sdk/client-apigatewayv2';
import type { ObservedDeployment, ObservedStage, RouteSettings, StageFields } from '../../apistage/ports.ts';

const SETTINGS = {
  throttlingBurstLimit: 'ThrottlingBurstLimit',
  throttlingRateLimit: 'ThrottlingRateLimit',
  detailedMetricsEnabled: 'DetailedMetricsEnabled',
  loggingLevel: 'LoggingLevel',
  dataTraceEnabled: 'DataTraceEnabled',
} as const satisfies Record<keyof RouteSettings, keyof SdkRouteSettings>;

const present = (v: unknown) => v !== undefined && v !== null;

function toSdkSettings(s: RouteSettings): SdkRouteSettings {
  const out: Record<string, unknown> = {};
  for (const [k, aws] of Object.entries(SETTINGS))
    if (present(s[k as keyof RouteSettings])) out[aws] = s[k as keyof RouteSettings];
  return out as SdkRouteSettings;
}

function fromSdkSettings(s: SdkRouteSettings): RouteSettings {
  const out: Record<string, unknown> = {};
  for (const [k, aws] of Object.entries(SETTINGS)) if (present(s[aws])) out[k] = s[aws];
  return out as RouteSettings;
}

const mapValues = <A, B>(m: Record<string, A>, f: (a: A) => B): Record<string, B> =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, f(v)]));

type SdkStageInput = Omit<CreateStageCommandInput, 'ApiId' | 'StageName'>;

/** CreateStage / UpdateStage members. Absent fields are not sent. */
export function toStageInput(f: StageFields): SdkStageInput {
  const out: SdkStageInput = {};
  if (f.description !== undefined) out.Description = f.description;
  if (f.autoDeploy !== undefined) out.AutoDeploy = f.autoDeploy;
  if (f.stageVariables !== undefined) out.StageVariables = f.stageVariables;
  if (f.defaultRouteSettings !== undefined) out.DefaultRouteSettings = toSdkSettings(f.defaultRouteSettings);
  if (f.routeSettings !== undefined) out.RouteSettings = mapValues(f.routeSettings, toSdkSettings);
  if (f.accessLogSettings !== undefined)
    out.AccessLogSettings = { DestinationArn: f.accessLogSettings.destinationArn, Format: f.accessLogSettings.format };
  return out;
}

// Members reported as they are, by their names in ObservedStage.
const REPORTED = {
  description: 'Description',
  stageVariables: 'StageVariables',
  deploymentId: 'DeploymentId',
  lastDeploymentStatusMessage: 'LastDeploymentStatusMessage',
  apiGatewayManaged: 'ApiGatewayManaged',
} as const satisfies Partial<Record<keyof ObservedStage, keyof Stage>>;

function accessLogOf(s: Stage): StageFields['accessLogSettings'] {
  const log = s.AccessLogSettings;
  if (!log?.DestinationArn && !log?.Format) return undefined;
  return {
    ...(log.DestinationArn ? { destinationArn: log.DestinationArn } : {}),
    ...(log.Format ? { format: log.Format } : {}),
  };
}

/** What AWS reports, with nulls and absent members dropped; autoDeploy is false when not reported. */
export function fromSdkStage(s: Stage): ObservedStage {
  const out: Record<string, unknown> = { stageName: s.StageName ?? '', autoDeploy: s.AutoDeploy ?? false };
  for (const [k, aws] of Object.entries(REPORTED)) if (present(s[aws])) out[k] = s[aws];
  if (s.DefaultRouteSettings) out.defaultRouteSettings = fromSdkSettings(s.DefaultRouteSettings);
  if (s.RouteSettings) out.routeSettings = mapValues(s.RouteSettings, fromSdkSettings);
  const log = accessLogOf(s);
  if (log) out.accessLogSettings = log;
  return out as unknown as ObservedStage;
}

export function fromSdkDeployment(d: Deployment): ObservedDeployment {
  const out: ObservedDeployment = { deploymentId: d.DeploymentId ?? '' };
  if (present(d.Description)) out.description = d.Description;
  if (d.CreatedDate) out.createdDate = new Date(d.CreatedDate).getTime();
  if (present(d.DeploymentStatus)) out.deploymentStatus = d.DeploymentStatus;
  if (present(d.DeploymentStatusMessage)) out.deploymentStatusMessage = d.DeploymentStatusMessage;
  return out;
}
