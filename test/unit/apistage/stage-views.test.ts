// What an ApiStage tells the Live condition of the objects on its API: an adopted Manual stage
// serves someone else's deployment until the operator deploys, so its objects are not known to be
// served, rather than awaiting a deployment that only a person can ask for.
import { describe, expect, it } from '@jest/globals';
import { stageViews } from '../../../src/operator-stages.ts';
import { recordedStage, stageObject } from './fixtures.ts';

const adopted = (spec: { deploymentPolicy?: 'Manual' | 'OnChange' }, status: Record<string, string> = {}) =>
  stageObject({ spec: { adopt: true, ...spec }, annotations: recordedStage(), status });

describe('stageViews', () => {
  it('marks a Manual stage serving a deployment the operator did not make', () => {
    const [view] = stageViews([adopted({ deploymentPolicy: 'Manual' }, { deploymentId: 'dep1' })], 'us-east-1');
    expect(view).toMatchObject({ key: 'team-a/prod', served: {}, foreignDeployment: 'dep1' });
  });

  it('not once the operator has deployed, nor an OnChange stage (whose deployment is on its way)', () => {
    const deployed = adopted({ deploymentPolicy: 'Manual' }, { deploymentId: 'dep2', deployedRevision: 'r1' });
    const onChange = adopted({ deploymentPolicy: 'OnChange' }, { deploymentId: 'dep1' });
    for (const view of stageViews([deployed, onChange], 'us-east-1')) expect(view.foreignDeployment).toBeUndefined();
  });
});
