// TypeScript twins of the ApiStage CEL rules in stage-schema.ts, so the operator and
// `apigw-operator validate` refuse the same specs as the API server. Each twin names the CEL rule it
// mirrors by its message; a unit test checks every rule has exactly one twin, and an integration
// test proves both refuse the same manifests on a real API server.
import { has, isOneOf, problem, record, re2, specField, str, when, type LooseSpec } from './problem.ts';
import type { CelTwin, TransitionTwin } from './twins.ts';
import { HTTP_ROUTE_KEY, HTTP_ROUTE_KEY_START, PREDEFINED_ROUTE_KEYS } from './group.ts';
import { ACCESS_LOG_REQUEST_IDS, STAGE_VARIABLE_NAME, STAGE_VARIABLE_NAME_MAX } from './stage-schema.ts';

const HTTP_KEY_START = re2(HTTP_ROUTE_KEY_START);
const HTTP_KEY = re2(HTTP_ROUTE_KEY);
const VARIABLE_NAME = re2(STAGE_VARIABLE_NAME);
// RE2's `.` and JavaScript's both stop at a newline: a line break followed by more text.
const LINE_BREAK_INSIDE = /[\r\n]./;

const keysOf = (s: LooseSpec, f: string) => Object.keys(record(s, f) ?? {});

/** Twins of the spec-level CEL rules (STAGE_SPEC_RULES). */
export const STAGE_SPEC_RULE_TWINS: readonly CelTwin[] = [
  {
    cel: /^autoDeploy true makes AWS deploy every change at once/,
    check: (s) =>
      when(
        s.autoDeploy === true && str(s, 'deploymentPolicy') === 'Manual',
        specField('autoDeploy'),
        'autoDeploy true makes AWS deploy every change at once, which contradicts deploymentPolicy Manual; remove autoDeploy to deploy only on request, or deploymentPolicy to let AWS deploy',
      ),
  },
  {
    cel: 'managementPolicy ObserveOnly observes an existing stage: set adopt true',
    check: (s) =>
      when(
        str(s, 'managementPolicy') === 'ObserveOnly' && s.adopt !== true,
        specField('adopt'),
        'managementPolicy ObserveOnly observes an existing stage: set adopt true',
      ),
  },
];

/** Twins of the CEL rules attached to map and object fields; `at` is the field that carries the rule. */
export const STAGE_FIELD_RULE_TWINS: readonly (CelTwin & { at: string })[] = [
  {
    at: 'stageVariables',
    cel: /^stageVariables names are letters, digits and underscores/,
    check: (s) =>
      keysOf(s, 'stageVariables')
        .filter((k) => !VARIABLE_NAME.test(k) || k.length > STAGE_VARIABLE_NAME_MAX)
        .map((k) =>
          problem(
            specField('stageVariables', k),
            `stageVariables names are letters, digits and underscores, at most ${STAGE_VARIABLE_NAME_MAX} characters; rename this variable`,
          ),
        ),
  },
  {
    at: 'routeSettings',
    cel: /^routeSettings keys are route keys: those starting with \$/,
    check: (s) =>
      keysOf(s, 'routeSettings')
        .filter((k) => k.startsWith('$') && !isOneOf(k, PREDEFINED_ROUTE_KEYS))
        .map((k) =>
          problem(
            specField('routeSettings', k),
            'routeSettings keys are route keys: those starting with $ are $default, or $connect / $disconnect on WebSocket APIs',
          ),
        ),
  },
  {
    at: 'routeSettings',
    cel: /^routeSettings keys shaped like HTTP routes must be METHOD \/path/,
    check: (s) =>
      keysOf(s, 'routeSettings')
        .filter((k) => HTTP_KEY_START.test(k) && !HTTP_KEY.test(k))
        .map((k) =>
          problem(
            specField('routeSettings', k),
            'routeSettings keys shaped like HTTP routes must be METHOD /path as the route has it (e.g. GET /items/{id}): a path variable is a whole segment {name}, a greedy {name+} comes last',
          ),
        ),
  },
  {
    at: 'accessLogSettings',
    cel: 'accessLogSettings.format must include $context.requestId or $context.extendedRequestId',
    check: (s) => {
      const format = str(record(s, 'accessLogSettings') ?? {}, 'format');
      return when(
        format !== undefined && !ACCESS_LOG_REQUEST_IDS.some((id) => format.includes(id)),
        specField('accessLogSettings.format'),
        'accessLogSettings.format must include $context.requestId or $context.extendedRequestId, which AWS requires in every access log line',
      );
    },
  },
  {
    at: 'accessLogSettings',
    cel: /^accessLogSettings.format must be a single line/,
    check: (s) => {
      const format = str(record(s, 'accessLogSettings') ?? {}, 'format');
      return when(
        format !== undefined && LINE_BREAK_INSIDE.test(format),
        specField('accessLogSettings.format'),
        'accessLogSettings.format must be a single line (a newline only at the very end); join its lines',
      );
    },
  },
];

/** Twins of STAGE_TRANSITION_RULES: what may not change between the stored spec and an update. */
export const STAGE_TRANSITION_RULE_TWINS: readonly TransitionTwin[] = [
  {
    cel: /^spec\.stageName is immutable/,
    check: (o, n) =>
      when(
        has(o, 'stageName') && str(n, 'stageName') !== str(o, 'stageName'),
        specField('stageName'),
        `spec.stageName is immutable; put back ${String(o.stageName)}, or create a new ApiStage for another stage`,
      ),
  },
  {
    cel: /^spec\.apiId is immutable/,
    check: (o, n) =>
      when(
        has(o, 'apiId') && str(n, 'apiId') !== str(o, 'apiId'),
        specField('apiId'),
        `spec.apiId is immutable; put back ${String(o.apiId)}, or create a new ApiStage for a stage of another API`,
      ),
  },
  {
    cel: /^spec\.region is immutable/,
    check: (o, n) =>
      when(
        str(n, 'region') !== str(o, 'region'),
        specField('region'),
        `spec.region is immutable; put back ${o.region === undefined ? 'no region' : String(o.region)}, or create a new ApiStage for a stage of another API`,
      ),
  },
  {
    cel: /^spec\.adopt cannot be turned off once true/,
    check: (o, n) =>
      when(
        o.adopt === true && n.adopt !== true,
        specField('adopt'),
        'spec.adopt cannot be turned off once true; put it back, and set deletionPolicy Delete if deleting the object should delete the stage',
      ),
  },
];
