// The ApiRoute CustomResourceDefinition: what is the kind's own (its description, schemas and
// printer columns), built by crd-builder.ts like every kind's. `npm run generate` writes it to crds/
// and the chart's files/; a unit test fails when a committed copy drifts from it.
import { kindCrd } from './crd-builder.ts';
import { ApiRouteSpec, ApiRouteStatus, ROUTE_NAMES, ROUTE_PRINTER_COLUMNS } from './route-schema.ts';

export const {
  file: ROUTE_CRD_FILE,
  chartFile: ROUTE_CRD_CHART_FILE,
  specJsonSchema: routeSpecJsonSchema,
  openApiSchema: routeOpenApiSchema,
  buildCrd: buildRouteCrd,
  buildCrdYaml: buildRouteCrdYaml,
} = kindCrd({
  names: ROUTE_NAMES,
  description:
    'ApiRoute manages one AWS API Gateway v2 route (HTTP or WebSocket API). The operator never writes spec; what AWS reports is in status.',
  spec: ApiRouteSpec,
  status: ApiRouteStatus,
  printerColumns: ROUTE_PRINTER_COLUMNS,
  schemaFile: 'route-schema.ts',
});
