// The committed ApiStage CRD (and the chart's copy) is exactly what the schema generates, its schema
// is structural, every field is documented for `kubectl explain`, and kubectl shows the columns
// users read a stage by.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { forbiddenKeywords, type JsonSchema } from '../../../src/api/v1alpha1/crd.ts';
import {
  STAGE_CRD_CHART_FILE,
  STAGE_CRD_FILE,
  buildStageCrd,
  buildStageCrdYaml,
  stageOpenApiSchema,
} from '../../../src/api/v1alpha1/stage-crd.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

function undocumented(node: JsonSchema, path: string): string[] {
  const children: [string, JsonSchema][] = [
    ...Object.entries((node.properties ?? {}) as Record<string, JsonSchema>),
    ...(typeof node.additionalProperties === 'object'
      ? [['*', node.additionalProperties as JsonSchema] as [string, JsonSchema]]
      : []),
    ...(typeof node.items === 'object' ? [['[]', node.items as JsonSchema] as [string, JsonSchema]] : []),
  ];
  return children.flatMap(([name, child]) => [
    ...(typeof child.description === 'string' && child.description.length > 0 ? [] : [`${path}.${name}`]),
    ...undocumented(child, `${path}.${name}`),
  ]);
}

describe('ApiStage CRD', () => {
  it.each([STAGE_CRD_FILE, STAGE_CRD_CHART_FILE])('committed %s matches the schema', (file) => {
    const committed = readFileSync(join(ROOT, file), 'utf8');
    if (committed !== buildStageCrdYaml()) throw new Error(`${file} is out of date: run \`npm run generate\``);
    expect(parse(committed)).toEqual(buildStageCrd());
    // Helm and kubectl read YAML 1.1, where a bare OFF would be false: they must see the same CRD.
    expect(parse(committed, { version: '1.1' })).toEqual(buildStageCrd());
  });

  it('has names, scope, status subresource and the printer columns API, Stage, Ready, Deployment, Age', () => {
    const crd = buildStageCrd();
    expect(crd.metadata.name).toBe('apistages.apigw.dev');
    expect(crd.spec.names).toMatchObject({
      plural: 'apistages',
      singular: 'apistage',
      kind: 'ApiStage',
      shortNames: ['apistage'],
      categories: ['apigw'],
    });
    const [v] = crd.spec.versions;
    expect(v).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
    const wide = (c: { [key: string]: unknown }) => c.priority !== undefined;
    expect(v!.additionalPrinterColumns.filter((c) => !wide(c)).map((c) => c.name)).toEqual([
      'API',
      'Stage',
      'Ready',
      'Deployment',
      'Age',
    ]);
  });

  it('schema uses only keywords structural schemas allow', () => {
    expect(forbiddenKeywords(stageOpenApiSchema())).toEqual([]);
  });

  it('documents every spec and status field', () => {
    const props = stageOpenApiSchema().properties as Record<string, JsonSchema>;
    expect(undocumented(props.spec!, 'spec')).toEqual([]);
    expect(undocumented(props.status!, 'status')).toEqual([]);
  });

  it('requires apiId and stageName, and defaults nothing in spec (deploymentPolicy OnChange is the operator’s default)', () => {
    const spec = (stageOpenApiSchema().properties as Record<string, JsonSchema>).spec!;
    expect(spec.required).toEqual(['apiId', 'stageName']);
    expect(JSON.stringify(spec)).not.toContain('"default"');
  });
});
