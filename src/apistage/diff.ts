// The stage settings the spec asks for, and the smallest UpdateStage (plus DeleteRouteSettings and
// DeleteAccessLogSettings calls) that makes AWS hold them. UpdateStage merges: a field left out
// stays as it is, so a removal is sent as its reset value; a removed stage variable is sent empty
// (AWS drops it, as Terraform's aws_apigatewayv2_stage relies on); a removed route's settings and a
// removed access log need calls of their own. Within a settings block only the members the spec
// sets are compared: AWS fills the rest with account defaults (throttling) the spec does not own.
import type { ApiStageSpecT } from '../api/v1alpha1/stage-types.ts';
import type { ObservedStage, RouteSettings, StageFields } from './ports.ts';

export interface StageDiff {
  /** Field names that differ; empty when AWS matches the spec. */
  changed: string[];
  /** The UpdateStage input, when a field changes through it. */
  update?: StageFields;
  /** Route keys whose settings AWS holds and the spec no longer has. */
  removeRouteSettings: string[];
  /** AWS logs access and the spec no longer asks for it. */
  removeAccessLog: boolean;
}

/** What AWS should hold for this spec. */
export function desiredStageFields(spec: ApiStageSpecT): StageFields {
  return {
    description: spec.description ?? '',
    autoDeploy: spec.autoDeploy ?? false,
    stageVariables: spec.stageVariables ?? {},
    ...(spec.defaultRouteSettings ? { defaultRouteSettings: spec.defaultRouteSettings as RouteSettings } : {}),
    routeSettings: (spec.routeSettings ?? {}) as Record<string, RouteSettings>,
    ...(spec.accessLogSettings ? { accessLogSettings: spec.accessLogSettings } : {}),
  };
}

/** Every member the spec sets has the value it sets. */
function settingsMatch(want: RouteSettings | undefined, have: RouteSettings | undefined): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => v === undefined || have?.[k as keyof RouteSettings] === v);
}

function variablesUpdate(want: Record<string, string>, have: Record<string, string> | undefined) {
  const removed = Object.keys(have ?? {}).filter((k) => !(k in want));
  const differs = removed.length > 0 || Object.entries(want).some(([k, v]) => have?.[k] !== v);
  return differs ? { ...want, ...Object.fromEntries(removed.map((k) => [k, ''])) } : undefined;
}

function routeSettingsUpdate(want: Record<string, RouteSettings>, have: Record<string, RouteSettings> | undefined) {
  const changed = Object.entries(want).filter(([k, v]) => !settingsMatch(v, have?.[k]));
  return changed.length > 0 ? Object.fromEntries(changed) : undefined;
}

const sameLog = (a: StageFields['accessLogSettings'], b: StageFields['accessLogSettings']) =>
  a?.destinationArn === b?.destinationArn && a?.format === b?.format;

/** The description and autoDeploy, with their resets. */
function scalarUpdate(want: StageFields, have: ObservedStage): StageFields {
  const update: StageFields = {};
  const description = want.description ?? '';
  const autoDeploy = want.autoDeploy ?? false;
  if (description !== (have.description ?? '')) update.description = description;
  if (autoDeploy !== (have.autoDeploy ?? false)) update.autoDeploy = autoDeploy;
  return update;
}

/** The UpdateStage members that differ, each with the value to send. */
function updateOf(want: StageFields, have: ObservedStage): StageFields {
  const update = scalarUpdate(want, have);
  const variables = variablesUpdate(want.stageVariables ?? {}, have.stageVariables);
  if (variables) update.stageVariables = variables;
  const defaults = want.defaultRouteSettings;
  if (defaults && !settingsMatch(defaults, have.defaultRouteSettings)) update.defaultRouteSettings = defaults;
  const routes = routeSettingsUpdate(want.routeSettings ?? {}, have.routeSettings);
  if (routes) update.routeSettings = routes;
  const log = want.accessLogSettings;
  if (log && !sameLog(log, have.accessLogSettings)) update.accessLogSettings = log;
  return update;
}

export function diffStage(want: StageFields, have: ObservedStage): StageDiff {
  const update = updateOf(want, have);
  const changed: string[] = Object.keys(update);
  const removeRouteSettings = Object.keys(have.routeSettings ?? {}).filter((k) => !(k in (want.routeSettings ?? {})));
  const removeAccessLog = !want.accessLogSettings && have.accessLogSettings !== undefined;
  if (removeRouteSettings.length > 0 && !changed.includes('routeSettings')) changed.push('routeSettings');
  if (removeAccessLog) changed.push('accessLogSettings');
  return {
    changed,
    ...(changed.length > 0 && Object.keys(update).length > 0 ? { update } : {}),
    removeRouteSettings,
    removeAccessLog,
  };
}
