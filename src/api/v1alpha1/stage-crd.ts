// The ApiStage CustomResourceDefinition: what is the kind's own (its description, schemas and
// printer columns), built by crd-builder.ts like every kind's. `npm run generate` writes it to crds/
// and the chart's files/; a unit test fails when a committed copy drifts from it.
import { kindCrd } from './crd-builder.ts';
import { ApiStageSpec, ApiStageStatus, STAGE_NAMES, STAGE_PRINTER_COLUMNS } from './stage-schema.ts';

export const {
  file: STAGE_CRD_FILE,
  chartFile: STAGE_CRD_CHART_FILE,
  specJsonSchema: stageSpecJsonSchema,
  openApiSchema: stageOpenApiSchema,
  buildCrd: buildStageCrd,
  buildCrdYaml: buildStageCrdYaml,
} = kindCrd({
  names: STAGE_NAMES,
  description:
    'ApiStage manages one stage of an AWS API Gateway v2 API (HTTP or WebSocket) and the deployments that make changes to the API reach its callers. The operator never writes spec; what AWS reports is in status.',
  spec: ApiStageSpec,
  status: ApiStageStatus,
  printerColumns: STAGE_PRINTER_COLUMNS,
  schemaFile: 'stage-schema.ts',
});
