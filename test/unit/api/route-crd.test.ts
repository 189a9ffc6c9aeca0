// The committed ApiRoute CRD (and the chart's copy) is exactly what the schema generates, its schema
// is structural, and every field is documented for `kubectl explain`.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { forbiddenKeywords, type JsonSchema } from '../../../src/api/v1alpha1/crd.ts';
import {
  ROUTE_CRD_CHART_FILE,
  ROUTE_CRD_FILE,
  buildRouteCrd,
  buildRouteCrdYaml,
  routeOpenApiSchema,
} from '../../../src/api/v1alpha1/route-crd.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

function undocumented(node: JsonSchema, path: string): string[] {
  const children: [string, JsonSchema][] = [
    ...Object.entries((node.properties ?? {}) as Record<string, JsonSchema>),
    ...(typeof node.additionalProperties === 'object'
      ? [['*', node.additionalProperties as JsonSchema] as [string, JsonSchema]]
      : []),
  ];
  return children.flatMap(([name, child]) => [
    ...(typeof child.description === 'string' && child.description.length > 0 ? [] : [`${path}.${name}`]),
    ...undocumented(child, `${path}.${name}`),
  ]);
}

describe('ApiRoute CRD', () => {
  it.each([ROUTE_CRD_FILE, ROUTE_CRD_CHART_FILE])('committed %s matches the schema', (file) => {
    const committed = readFileSync(join(ROOT, file), 'utf8');
    if (committed !== buildRouteCrdYaml()) throw new Error(`${file} is out of date: run \`npm run generate\``);
    expect(parse(committed)).toEqual(buildRouteCrd());
  });

  it('has names, scope, status subresource and printer columns', () => {
    const crd = buildRouteCrd();
    expect(crd.metadata.name).toBe('apiroutes.apigw.dev');
    expect(crd.spec.names).toMatchObject({
      plural: 'apiroutes',
      singular: 'apiroute',
      kind: 'ApiRoute',
      shortNames: ['apiroute'],
      categories: ['apigw'],
    });
    const [v] = crd.spec.versions;
    expect(v).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
    expect(v!.additionalPrinterColumns.map((c) => c.name)).toEqual(
      expect.arrayContaining(['Ready', 'Live', 'Route Key', 'Route ID', 'API', 'Live Reason', 'Age']),
    );
  });

  it('schema uses only keywords structural schemas allow', () => {
    expect(forbiddenKeywords(routeOpenApiSchema())).toEqual([]);
  });

  it('documents every spec and status field', () => {
    const props = routeOpenApiSchema().properties as Record<string, JsonSchema>;
    expect(undocumented(props.spec!, 'spec')).toEqual([]);
    expect(undocumented(props.status!, 'status')).toEqual([]);
  });
});
