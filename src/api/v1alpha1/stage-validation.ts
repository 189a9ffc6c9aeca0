// The one entry point for "is this ApiStage spec acceptable?": the frame every kind shares
// (spec-validation.ts) run with the kind's own checks: structure against its schema, the TypeScript
// twins of its CEL rules (stage-validation-rules.ts) and, below, the rules that need the API's
// protocol. Pure: no I/O, no SDKs, no environment.
import { HTTP_ROUTE_KEY_START, WEBSOCKET_ROUTE_KEYS, type Protocol } from './group.ts';
import { isRecord, problem, re2, record, specField, type LooseSpec, type Problem } from './problem.ts';
import { specValidation, type SpecValidationResult } from './spec-validation.ts';
import { structureCheck } from './spec-structure.ts';
import { stageSpecJsonSchema } from './stage-crd.ts';
import { STAGE_KIND, WEBSOCKET_ROUTE_SETTINGS } from './stage-schema.ts';
import type { ApiStageSpecT } from './stage-types.ts';
import {
  STAGE_FIELD_RULE_TWINS,
  STAGE_SPEC_RULE_TWINS,
  STAGE_TRANSITION_RULE_TWINS,
} from './stage-validation-rules.ts';

export type StageValidationResult = SpecValidationResult<ApiStageSpecT>;

const HTTP_KEY_START = re2(HTTP_ROUTE_KEY_START);

/** Every route-settings block of the spec with the field it sits at. */
function settingsBlocks(s: LooseSpec): [field: string, block: LooseSpec][] {
  const defaults = record(s, 'defaultRouteSettings');
  const perRoute = Object.entries(record(s, 'routeSettings') ?? {}).filter(
    (e): e is [string, Record<string, unknown>] => isRecord(e[1]),
  );
  return [
    ...(defaults ? [[specField('defaultRouteSettings'), defaults] as [string, LooseSpec]] : []),
    ...perRoute.map(([k, v]) => [specField('routeSettings', k), v] as [string, LooseSpec]),
  ];
}

/** AWS refuses execution logging on HTTP APIs ("Execution logs are not supported on protocolType HTTP"). */
function websocketSettingsOnHttp(s: LooseSpec): Problem[] {
  return settingsBlocks(s).flatMap(([at, block]) =>
    WEBSOCKET_ROUTE_SETTINGS.filter((f) => block[f] !== undefined).map((f) =>
      problem(`${at}.${f}`, `${f} is only for WebSocket APIs and apiId names an HTTP API; remove it`),
    ),
  );
}

function httpRouteSettingsKeys(s: LooseSpec): Problem[] {
  return (
    Object.keys(record(s, 'routeSettings') ?? {})
      .filter((k) => k !== '$default' && !HTTP_KEY_START.test(k))
      // Other keys starting with $, and malformed METHOD /path keys, are the CEL rules' to report.
      .filter((k) => !k.startsWith('$') || WEBSOCKET_ROUTE_KEYS.includes(k as (typeof WEBSOCKET_ROUTE_KEYS)[number]))
      .map((k) =>
        problem(
          specField('routeSettings', k),
          `${k} is not an HTTP API route key: HTTP APIs take $default or METHOD /path (e.g. GET /items/{id}); $connect, $disconnect and custom keys exist only on WebSocket APIs`,
        ),
      )
  );
}

/** The rules that need the API's protocol, which only GetApi can tell. */
export function stageProtocolProblems(s: LooseSpec, protocol: Protocol): Problem[] {
  return protocol === 'HTTP' ? [...websocketSettingsOnHttp(s), ...httpRouteSettingsKeys(s)] : [];
}

export const { validate: validateStageSpec, validateUpdate: validateStageSpecUpdate } = specValidation<ApiStageSpecT>({
  notAnObject: 'spec must be an object with at least apiId and stageName',
  structure: structureCheck(stageSpecJsonSchema(), { kind: STAGE_KIND }),
  twins: [...STAGE_SPEC_RULE_TWINS, ...STAGE_FIELD_RULE_TWINS],
  protocol: stageProtocolProblems,
  transitionTwins: STAGE_TRANSITION_RULE_TWINS,
});
