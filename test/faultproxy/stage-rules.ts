// The fidelity rules for stages and deployments, as pure functions and API Gateway's words (the
// state and the handlers are in stages.ts). moto keeps stages but not the way API Gateway does: it
// has no UpdateStage (a 500), drops deploymentId, replaces a stage on a second CreateStage, deletes
// an unknown stage with 200, takes `$default` and execution-log settings on any API, and has no
// deployments at all (a 404 HTML page). With fidelity on, the proxy keeps stages and deployments
// itself. Each rule cites its public source; where AWS's answer is not established the rule models
// the outcome hardest on the client and says so.
import { isObject, stringMap, type Json, type StringMap } from './wire.ts';

/**
 * Stages per API: 10, raisable ("Stages per API | 10 | Yes" on both
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html and
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html).
 * No quota on deployments per API is documented for HTTP or WebSocket APIs, so none is modelled.
 */
export const DEFAULT_STAGES_PER_API = 10;

// ---- messages, as real API Gateway words them ----

/**
 * The 404s of an unknown stage or deployment. AWS's v2 words are established for APIs,
 * integrations and routes ("Invalid <Thing> identifier specified <id>", wire.ts); the same shape is
 * modelled for stages and deployments, which is not established (moto says "Invalid stage
 * identifier specified" without the name).
 */
export const stageNotFoundMessage = (name: string) => `Invalid Stage identifier specified ${name}`;
export const deploymentNotFoundMessage = (id: string) => `Invalid Deployment identifier specified ${id}`;

/**
 * The stages quota answered like the other per-API quotas (429 ConflictException, "Maximum number of
 * <Things> for this API has been reached.  Please contact AWS if you need additional <Things>.",
 * fidelity.ts); no log of the Stages wording was found, so it is that shape with Stages.
 */
export const STAGES_QUOTA_MESSAGE =
  'Maximum number of Stages for this API has been reached.  Please contact AWS if you need additional Stages.';

/**
 * A second CreateStage with a taken name: 409 ConflictException "Stage already exists", seen on real
 * AWS for REST API stages (hashicorp/terraform-provider-aws#1153, #2918); the v2 API reference lists
 * CreateStage's 409 as "The resource already exists". That v2 uses the same words is not established.
 */
export const STAGE_EXISTS_MESSAGE = 'Stage already exists';

/**
 * Execution-log settings (loggingLevel, dataTraceEnabled) on an HTTP API stage, in its default or
 * any route's settings: 400 BadRequestException in these words (hashicorp/terraform-provider-aws#12893,
 * #14010 for defaultRouteSettings). #13801 met it with a route setting that only carried the
 * provider's default `data_trace_enabled = false`, so a `false` is refused too.
 */
export const EXECUTION_LOGS_MESSAGE = 'Execution logs are not supported on protocolType HTTP';

/**
 * Stage names: "Stage names can only contain alphanumeric characters, hyphens, and underscores.
 * Maximum length is 128 characters." (API reference, StageName), and `$default`, "served from the
 * base of your API's URL", exists for HTTP APIs only
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html). AWS's words
 * for a refused name are not established; a 400 BadRequestException in these is modelled.
 */
export const invalidStageNameMessage = (name: string) =>
  `Invalid stage name ${name}: stage names can only contain alphanumeric characters, hyphens and underscores, ` +
  'or be $default on an HTTP API';

/**
 * Route settings for a key no route has: 404 NotFoundException in these words, from CreateStage on
 * real AWS (terraform-aws-modules/terraform-aws-apigateway-v2 PR #80); UpdateStage is held to it too.
 */
export const routeSettingsKeyMessage = (key: string) =>
  `Unable to find Route by key ${key} within the provided RouteSettings`;

/**
 * A deploymentId on a stage that deploys itself. The model says deploymentId "Can't be updated if
 * autoDeploy is enabled" (API reference, Stage), and UpdateStage with autoDeploy true and the
 * stage's own deploymentId is refused with a BadRequestException (aws-controllers-k8s/community#1033,
 * fixed by apigatewayv2-controller PR #15 leaving deploymentId out). AWS's words are not established.
 */
export const AUTO_DEPLOY_DEPLOYMENT_ID_MESSAGE = 'DeploymentId cannot be updated on a stage with autoDeploy enabled';

/**
 * CreateDeployment naming an auto-deploying stage: that sets the stage's deploymentId, which the
 * model says an autoDeploy stage refuses (above). Refused with 400; the words are not established.
 */
export const autoDeployStageMessage = (name: string) =>
  `Stage ${name} has autoDeploy enabled: API Gateway deploys it, a deployment cannot be made to it`;

/**
 * CreateDeployment of an API without routes: 400 BadRequestException. HTTP API: "Unable to deploy
 * API because no routes exist in this API" (mach-composer/mach-composer-cli#42). WebSocket API:
 * "At least one route is required before deploying the Api" (aws/serverless-application-model#2512).
 */
export const noRoutesMessage = (protocol: string) =>
  protocol === 'WEBSOCKET'
    ? 'At least one route is required before deploying the Api'
    : 'Unable to deploy API because no routes exist in this API';

/**
 * DeleteDeployment of a deployment a stage serves. REST APIs answer 400 BadRequestException in these
 * words (hashicorp/terraform#25495, hashicorp/terraform-provider-aws#19805); the v2 API reference
 * lists only 404 and 429 for DeleteDeployment, so v2's answer is not established: the refusal is
 * modelled, because deleting what a stage serves is what a client must not count on.
 */
export const DEPLOYMENT_IN_USE_MESSAGE = 'Active stages pointing to this deployment must be moved or deleted';

/**
 * The `$default` stage quick create made: "You can't modify the $default stage" (API reference,
 * Stage apiGatewayManaged). AWS's answer to an UpdateStage or DeleteStage of it is not
 * established; a 400 BadRequestException in these words is modelled.
 */
export const managedStageMessage = (name: string) =>
  `Stage ${name} is managed by API Gateway and cannot be modified; it is deleted with its API`;

/**
 * What an auto deployment is called and what its stage then says: the description is the one
 * Terraform reads back from real auto deployments (a `terraform import`-generated
 * aws_apigatewayv2_deployment), the status message the one the AWS CLI's get-stages example shows
 * (aws/aws-cli awscli/examples/apigatewayv2/get-stages.rst). lastDeploymentStatusMessage is
 * "Supported only for stages with autoDeploy enabled" (API reference, Stage). A failed attempt is
 * reported as "Deployment attempt failed: <reason>", the form public code that polls real stages
 * matches; no AWS document gives it.
 */
export const AUTO_DEPLOY_DESCRIPTION = 'Automatic deployment triggered by changes to the Api configuration';
export const deployedStatusMessage = (id: string) => `Successfully deployed stage with deployment ID '${id}'`;
export const failedStatusMessage = (reason: string) => `Deployment attempt failed: ${reason}`;

// ---- pure rules ----

const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** Why a CreateStage name is refused, if it is. */
export function stageNameProblem(name: unknown, protocol: string): string | undefined {
  if (typeof name !== 'string') return invalidStageNameMessage(String(name));
  if (name === '$default' && protocol !== 'WEBSOCKET') return undefined;
  return STAGE_NAME.test(name) ? undefined : invalidStageNameMessage(name);
}

const EXECUTION_LOG_FIELDS = ['loggingLevel', 'dataTraceEnabled'];

function hasExecutionLogs(settings: unknown): boolean {
  return isObject(settings) && EXECUTION_LOG_FIELDS.some((f) => settings[f] !== undefined && settings[f] !== null);
}

/** The refusal of execution-log settings in a stage body on an HTTP API, if any. */
export function executionLogsProblem(sent: Json, protocol: string): string | undefined {
  if (protocol === 'WEBSOCKET') return undefined;
  const routeSettings = isObject(sent.routeSettings) ? Object.values(sent.routeSettings) : [];
  return [sent.defaultRouteSettings, ...routeSettings].some(hasExecutionLogs) ? EXECUTION_LOGS_MESSAGE : undefined;
}

/** The first routeSettings key of a stage body that names no route of the API. */
export function unknownRouteKey(sent: Json, routeKeys: ReadonlySet<string>): string | undefined {
  return Object.keys(isObject(sent.routeSettings) ? sent.routeSettings : {}).find((k) => !routeKeys.has(k));
}

/**
 * defaultRouteSettings as AWS reports a stage created without them: `{detailedMetricsEnabled: false}`
 * on HTTP APIs (AWS CLI get-stages example); on WebSocket APIs moto's choice (execution logging off),
 * which is not verified.
 */
export function defaultRouteSettingsFor(protocol: string): Json {
  return protocol === 'WEBSOCKET'
    ? { dataTraceEnabled: false, detailedMetricsEnabled: false, loggingLevel: 'OFF' }
    : { detailedMetricsEnabled: false };
}

/** A stage variables map without the "" values that remove a variable. */
function variablesOf(current: unknown, sent: unknown): StringMap {
  const out: StringMap = { ...stringMap(current) };
  for (const [k, v] of Object.entries(stringMap(sent))) {
    if (v === '') delete out[k];
    else out[k] = v;
  }
  return out;
}

const OPTIONAL_FIELDS = ['description', 'deploymentId', 'clientCertificateId'];

/**
 * The stage as AWS reports it after CreateStage. autoDeploy is left out unless true, as in the AWS
 * CLI get-stages example, so a client must read an absent autoDeploy as false.
 */
export function newStage(sent: Json, protocol: string, now: string): Json {
  const stage: Json = {
    stageName: sent.stageName,
    createdDate: now,
    lastUpdatedDate: now,
    defaultRouteSettings: {
      ...defaultRouteSettingsFor(protocol),
      ...(isObject(sent.defaultRouteSettings) ? sent.defaultRouteSettings : {}),
    },
    routeSettings: isObject(sent.routeSettings) ? sent.routeSettings : {},
    stageVariables: variablesOf({}, sent.stageVariables),
    tags: stringMap(sent.tags),
  };
  for (const f of OPTIONAL_FIELDS) if (typeof sent[f] === 'string' && sent[f] !== '') stage[f] = sent[f];
  if (isObject(sent.accessLogSettings) && Object.keys(sent.accessLogSettings).length > 0)
    stage.accessLogSettings = sent.accessLogSettings;
  if (sent.autoDeploy === true) stage.autoDeploy = true;
  return stage;
}

/** Route settings merged by route key, and inside a kept key field by field (see mergeStageUpdate). */
function mergeRouteSettings(current: unknown, sent: Json): Json {
  const out: Json = { ...(isObject(current) ? current : {}) };
  for (const [key, settings] of Object.entries(sent))
    out[key] = { ...(isObject(out[key]) ? out[key] : {}), ...(isObject(settings) ? settings : {}) };
  return out;
}

/**
 * The stage after UpdateStage. AWS merges: stage variables not sent are kept and one sent as "" is
 * removed (terraform-provider-aws's aws_apigatewayv2_stage: "Variables are removed by setting the
 * associated value to \"\""); route settings not sent are kept, which is why Terraform deletes
 * removed keys with DeleteRouteSettings before sending the rest. Fields left out of a sent
 * defaultRouteSettings, or of a sent route's settings, are kept too: that inner merge is not
 * verified and is modelled pessimistically, so a client relying on replacement sees the stale
 * field. Scalars sent as "" are cleared, and accessLogSettings sent as {} is removed (Terraform
 * sends {} when the block is removed).
 */
export function mergeStageUpdate(current: Json, sent: Json, now: string): Json {
  const out: Json = { ...current, lastUpdatedDate: now };
  for (const f of OPTIONAL_FIELDS) {
    if (typeof sent[f] !== 'string') continue;
    if (sent[f] === '') delete out[f];
    else out[f] = sent[f];
  }
  if (sent.autoDeploy === true) out.autoDeploy = true;
  else if (sent.autoDeploy === false) delete out.autoDeploy;
  if (isObject(sent.accessLogSettings)) {
    if (Object.keys(sent.accessLogSettings).length === 0) delete out.accessLogSettings;
    else out.accessLogSettings = sent.accessLogSettings;
  }
  if (isObject(sent.defaultRouteSettings))
    out.defaultRouteSettings = {
      ...(isObject(current.defaultRouteSettings) ? current.defaultRouteSettings : {}),
      ...sent.defaultRouteSettings,
    };
  if (isObject(sent.routeSettings)) out.routeSettings = mergeRouteSettings(current.routeSettings, sent.routeSettings);
  if (isObject(sent.stageVariables)) out.stageVariables = variablesOf(current.stageVariables, sent.stageVariables);
  return out;
}

/** The names of the stages that serve this deployment. */
export function stagesServing(stages: Iterable<Json>, deploymentId: string): string[] {
  return [...stages].filter((s) => s.deploymentId === deploymentId).map((s) => String(s.stageName));
}

/** AWS's timestamps in answers: ISO 8601 to the second ("2020-04-08T00:08:44Z" in the CLI examples). */
export function awsTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
