// Operator configuration as users set it: kubebuilder-style flags, each with an environment
// variable, flags winning, and clear refusals for bad values.
import { describe, expect, it } from '@jest/globals';
import { awsDefaultsFromEnv, helpText, parseConfig, parseDuration } from '../../src/config.ts';

describe('parseConfig', () => {
  it('has production defaults matching controller-runtime and the AWS quota', () => {
    const c = parseConfig([], { AWS_REGION: 'eu-west-1' });
    expect(c).toMatchObject({
      region: 'eu-west-1',
      metricsBindAddress: ':8080',
      healthProbeBindAddress: ':8081',
      leaderElect: false,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2000,
      driftIntervalMs: 300_000,
      notFoundGraceMs: 120_000,
      workers: 4,
      shutdownTimeoutMs: 10_000,
    });
    expect(c.awsRate).toBeLessThan(10);
    expect(c.awsBurst).toBeLessThan(40);
    expect(c.watchNamespaces).toEqual([]);
  });
  it('reads environment variables and lets flags win', () => {
    const env = {
      AWS_REGION: 'eu-west-1',
      APIGW_WORKERS: '8',
      APIGW_LEADER_ELECT: 'true',
      APIGW_WATCH_NAMESPACES: 'a, b',
    };
    expect(parseConfig([], env)).toMatchObject({ workers: 8, leaderElect: true, watchNamespaces: ['a', 'b'] });
    expect(parseConfig(['--workers=2', '--leader-elect=false', '--region', 'us-west-2'], env)).toMatchObject({
      workers: 2,
      leaderElect: false,
      region: 'us-west-2',
    });
  });
  it("points STS and API Gateway at endpoints the way the AWS SDKs do: the service's own variable, else AWS_ENDPOINT_URL", () => {
    const global = { AWS_REGION: 'x', AWS_ENDPOINT_URL: 'http://all:5000' };
    expect(parseConfig([], global)).toMatchObject({ awsEndpoint: 'http://all:5000', stsEndpoint: 'http://all:5000' });
    const own = { ...global, AWS_ENDPOINT_URL_STS: 'http://sts:5000', AWS_ENDPOINT_URL_APIGATEWAYV2: 'http://gw:5000' };
    expect(parseConfig([], own)).toMatchObject({ awsEndpoint: 'http://gw:5000', stsEndpoint: 'http://sts:5000' });
    expect(parseConfig(['--sts-endpoint', 'http://vpce:443'], own).stsEndpoint).toBe('http://vpce:443');
    // Lambda's own override only; unset, the operator sends Lambda's calls to --aws-endpoint.
    expect(parseConfig([], global).lambdaEndpoint).toBeUndefined();
    expect(parseConfig([], { ...global, AWS_ENDPOINT_URL_LAMBDA: 'http://lambda:5000' }).lambdaEndpoint).toBe(
      'http://lambda:5000',
    );
    expect(parseConfig([], { AWS_REGION: 'x' }).stsEndpoint).toBeUndefined();
  });
  it('treats a bare boolean flag as true', () => {
    expect(parseConfig(['--leader-elect', '--workers', '3'], { AWS_REGION: 'x' })).toMatchObject({
      leaderElect: true,
      workers: 3,
    });
  });
  it.each([
    [['--workers', '0'], /positive integer/],
    [['--drift-interval', '5 minutes'], /invalid duration/],
    [['--bogus'], /unknown flag --bogus/],
    [['--lease-duration', '5s', '--renew-deadline', '10s'], /lease-duration > renew-deadline/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseConfig(argv, { AWS_REGION: 'x' })).toThrow(message);
  });
  it('requires a default region', () => {
    expect(() => parseConfig([], {})).toThrow(/region/);
  });
  it('parses durations', () => {
    expect([parseDuration('500ms'), parseDuration('30s'), parseDuration('5m'), parseDuration('1h')]).toEqual([
      500, 30_000, 300_000, 3_600_000,
    ]);
  });
});

describe('--help', () => {
  it('names the three kinds, and every validate option: auto protocol lookup and its region', () => {
    const help = helpText();
    expect(help.split('\n')[0]).toContain('from ApiIntegration, ApiRoute and ApiStage resources');
    expect(help).toContain('validate -f FILE|DIR [-f ...] [--protocol http|websocket|auto] [--region REGION]');
    expect(help).toMatch(/--label-selector\s+only reconcile ApiIntegrations and ApiRoutes/);
  });
});

describe('the AWS defaults validate, import and kubectl apigw share with the operator', () => {
  it.each([
    [{ AWS_REGION: 'eu-west-1' }, { region: 'eu-west-1' }],
    [{ AWS_DEFAULT_REGION: 'eu-west-2', AWS_REGION: '' }, { region: 'eu-west-2' }],
    [{ APIGW_REGION: 'eu-west-3', AWS_REGION: 'eu-west-1' }, { region: 'eu-west-3' }],
    [{ AWS_ENDPOINT_URL: 'http://x:1' }, { awsEndpoint: 'http://x:1', stsEndpoint: 'http://x:1' }],
    [{ AWS_ENDPOINT_URL_STS: 'http://sts:1' }, { stsEndpoint: 'http://sts:1' }],
    [{}, {}],
  ])(
    '%j → %j, as parseConfig reads them',
    (env, expected: { region?: string; awsEndpoint?: string; stsEndpoint?: string }) => {
      expect(awsDefaultsFromEnv(env)).toEqual(expected);
      if (expected.region) expect(parseConfig([], env).region).toBe(expected.region);
      if (expected.stsEndpoint)
        expect(parseConfig(['--region', 'us-east-1'], env).stsEndpoint).toBe(expected.stsEndpoint);
    },
  );
});
