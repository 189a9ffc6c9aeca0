// `kubectl apigw why` says what docs/aws.md says: the generated table is exactly what the document's
// reasons tables hold (run `npm run generate` after editing them), every reason the operator sets has
// a row, and a reason is looked up in its kind's table before the shared one.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildReasonsModule, parseReasonTables } from '../../../src/cli/reasons-table.ts';
import { REASON_TABLES } from '../../../src/cli/reasons.generated.ts';
import { adviceFor } from '../../../src/cli/why.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const docs = readFileSync(join(ROOT, 'docs', 'aws.md'), 'utf8');

describe('the reasons tables', () => {
  it('the committed module is what docs/aws.md generates', () => {
    const committed = readFileSync(join(ROOT, 'src', 'cli', 'reasons.generated.ts'), 'utf8');
    if (committed !== buildReasonsModule(docs))
      throw new Error('src/cli/reasons.generated.ts is out of date with docs/aws.md: run `npm run generate`');
    expect(REASON_TABLES).toEqual(parseReasonTables(docs));
  });

  it('reads each kind from its own table, with meaning and advice as plain text', () => {
    const kinds = (reason: string) =>
      (Object.keys(REASON_TABLES) as (keyof typeof REASON_TABLES)[]).filter((k) =>
        REASON_TABLES[k].some((r) => r.reasons.includes(reason)),
      );
    expect(kinds('IntegrationInUse')).toEqual(['ApiIntegration']);
    expect(kinds('RouteKeyTaken')).toEqual(['ApiRoute']);
    expect(kinds('StageNameTaken')).toEqual(['ApiStage']);
    expect(kinds('AwaitingDeployment')).toEqual(['Live']);
    const row = REASON_TABLES.ApiRoute.find((r) => r.reasons.includes('IntegrationNotFound'))!;
    expect(row.action).toBe('Fix integrationRef.name, or create the ApiIntegration.');
    expect(row.meaning).not.toMatch(/`/);
    expect(REASON_TABLES.ApiStage.find((r) => r.reasons.includes('NotFound'))?.reasons).toEqual([
      'Observed',
      'NotFound',
    ]);
  });

  it('looks in the kind’s table first, then in the shared one', () => {
    expect(adviceFor('ApiStage', 'AdoptionRefused')?.meaning).toMatch(/stage to adopt was made by quick create/);
    expect(adviceFor('ApiIntegration', 'AdoptionRefused')?.meaning).toMatch(/integration to adopt/);
    expect(adviceFor('ApiRoute', 'ApiNotFound')?.action).toBe('Create the API, or fix apiId/region.');
    expect(adviceFor('ApiRoute', 'NoManagedStage', 'Live')?.conditions).toBe('Live=Unknown');
    expect(adviceFor('ApiRoute', 'NoSuchReason')).toBeUndefined();
  });

  // The condition reason unions are types; their members are read from the source.
  const unionMembers = (path: string, type: string) => {
    const text = readFileSync(join(ROOT, 'src', path), 'utf8');
    const body = new RegExp(`export type ${type} =([^;]*);`).exec(text)?.[1] ?? '';
    return [...body.matchAll(/'([A-Za-z]+)'/g)].map((m) => m[1]!);
  };
  const explained = (kind: string, reason: string) => adviceFor(kind, reason) ?? adviceFor(kind, reason, 'Live');

  it.each([
    ['ApiIntegration', 'kind/reasons.ts', 'SharedConditionReason'],
    ['ApiIntegration', 'apiintegration/reasons.ts', 'ConditionReason'],
    ['ApiRoute', 'apiroute/reasons.ts', 'RouteConditionReason'],
    ['ApiStage', 'apistage/reasons.ts', 'StageConditionReason'],
  ])('has a row for every %s condition reason in %s', (kind, path, type) => {
    // Reconciled and NotStalled only say that Reconciling or Stalled is False: never the one `why` explains.
    const members = unionMembers(path, type).filter((r) => r !== 'Reconciled' && r !== 'NotStalled');
    expect(members.length).toBeGreaterThan(3);
    expect(members.filter((r) => !explained(kind, r))).toEqual([]);
  });
});
