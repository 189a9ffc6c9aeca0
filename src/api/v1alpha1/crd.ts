// The ApiIntegration CustomResourceDefinition: what is the kind's own (its description, schemas and
// printer columns), built by crd-builder.ts like every kind's. The CRD YAML in crds/ is generated
// from here (src/tools/generate.ts) and a unit test fails when the committed file drifts from it.
import { kindCrd } from './crd-builder.ts';
import { ApiIntegrationSpec, ApiIntegrationStatus, INTEGRATION_NAMES, PRINTER_COLUMNS } from './schema.ts';

// What every kind's CRD shares has its home in crd-builder.ts; its importers may reach it here too.
export { forbiddenKeywords, type CrdManifest, type JsonSchema } from './crd-builder.ts';

export const {
  file: CRD_FILE,
  specJsonSchema,
  openApiSchema,
  buildCrd,
  buildCrdYaml,
} = kindCrd({
  names: INTEGRATION_NAMES,
  description:
    'ApiIntegration manages one AWS API Gateway v2 integration (HTTP or WebSocket API). The operator never writes spec; what AWS reports is in status.',
  spec: ApiIntegrationSpec,
  status: ApiIntegrationStatus,
  printerColumns: PRINTER_COLUMNS,
  schemaFile: 'schema.ts',
});
