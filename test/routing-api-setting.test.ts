import { App, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { Analysis, CanaryService, RoutingApi, RoutingApiSetting, ServiceVersion, TrafficSplit } from '../src';
import { only } from './util';

/** The routing API setting of an app or a chart: its defaults, where it holds, and every refusal of its two entry points. */

const web = (chart: Chart, versions = ['v1']) =>
  new CanaryService(chart, 'web', { port: 80, versions: versions.map(v => ServiceVersion.deploy(v, { image: `web:${v}` })) });

describe('RoutingApiSetting', () => {
  test('the default is Istio: a chart without a setting writes VirtualServices and subsets', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
    new CanaryService(chart, 'web', { port: 80, versions: [ServiceVersion.deploy('v1', { image: 'a' }), ServiceVersion.deploy('v2', { image: 'b' })], traffic: TrafficSplit.canaryPercent(10) });
    expect(RoutingApiSetting.of(chart)).toBe(RoutingApi.ISTIO);
    const m = Testing.synth(chart);
    expect(m.filter(o => o.kind === 'HTTPRoute')).toEqual([]);
    expect(only(m, 'DestinationRule', 'web').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2']);
  });

  test('set on the app, it holds for every chart and every construct in them; a chart may set its own', () => {
    const app = Testing.app();
    RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    RoutingApiSetting.use(b, RoutingApi.ISTIO);
    expect(RoutingApiSetting.of(app)).toBe(RoutingApi.GATEWAY_API);
    expect(RoutingApiSetting.of(a)).toBe(RoutingApi.GATEWAY_API);
    expect(RoutingApiSetting.of(new Construct(a, 'deep'))).toBe(RoutingApi.GATEWAY_API);
    expect(RoutingApiSetting.of(b)).toBe(RoutingApi.ISTIO);
    expect(RoutingApiSetting.of(new Construct(b, 'deep'))).toBe(RoutingApi.ISTIO);
  });

  test('each of the three APIs can be set, on an app (a construct without a scope) or a chart inside one', () => {
    for (const api of [RoutingApi.ISTIO, RoutingApi.GATEWAY_API, RoutingApi.GATEWAY_API_EXPERIMENTAL]) {
      const app = new App();
      RoutingApiSetting.use(app, api);
      expect(RoutingApiSetting.of(new Chart(app, 'c'))).toBe(api);
      const other = new App();
      const chart = new Chart(other, 'c');
      RoutingApiSetting.use(chart, api);
      expect(RoutingApiSetting.of(chart)).toBe(api);
      expect(RoutingApiSetting.of(other)).toBe(RoutingApi.ISTIO);
    }
    // The enum's strings, as Python and plain JavaScript pass them.
    const app = new App();
    RoutingApiSetting.use(app, 'gateway-api-experimental' as any);
    expect(RoutingApiSetting.of(app)).toBe(RoutingApi.GATEWAY_API_EXPERIMENTAL);
  });

  test('a chart set to the Gateway API writes HTTPRoutes and no VirtualService', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'shop' });
    RoutingApiSetting.use(chart, RoutingApi.GATEWAY_API);
    web(chart, ['v1', 'v2']);
    const m = Testing.synth(chart);
    expect(m.filter(o => o.kind === 'VirtualService')).toEqual([]);
    expect(only(m, 'HTTPRoute', 'web').apiVersion).toBe('gateway.networking.k8s.io/v1');
  });

  test('an api that is not a RoutingApi fails, naming the value and the three choices', () => {
    const fix = "Use RoutingApi.ISTIO, RoutingApi.GATEWAY_API or RoutingApi.GATEWAY_API_EXPERIMENTAL ('istio', 'gateway-api' or 'gateway-api-experimental')";
    for (const [api, shown] of [['gamma', "'gamma'"], ['ISTIO', "'ISTIO'"], [null, 'null'], [undefined, 'undefined'], [1, '1']] as Array<[any, string]>) {
      const app = new App();
      expect(() => RoutingApiSetting.use(app, api)).toThrow(`[RoutingApiSetting.use] api: ${shown} is not a RoutingApi. ${fix}`);
      expect(RoutingApiSetting.of(app)).toBe(RoutingApi.ISTIO);
    }
  });

  test('a scope that is not an App or a Chart fails, naming it', () => {
    const fix = 'Pass the App (every chart) or one Chart';
    const cases: Array<[any, string]> = [
      [null, 'null'],
      [undefined, 'undefined'],
      ['app', "'app'"],
      [42, '42'],
      [{}, '{}'],
      [{ node: null }, '{"node":null}'],
      [{ node: 'app' }, '{"node":"app"}'],
      [{ node: {} }, '{"node":{}}'],
      [{ node: { children: {} } }, '{"node":{"children":{}}}'],
      [{ node: { children: [], setContext: 'x' } }, '{"node":{"children":[],"setContext":"x"}}'],
      [{ node: { path: 'p', children: [] } }, "'p'"],
    ];
    for (const [scope, shown] of cases) {
      expect(() => RoutingApiSetting.use(scope, RoutingApi.GATEWAY_API)).toThrow(`[RoutingApiSetting.use] scope: ${shown} is not an App or a Chart. ${fix}`);
    }
    const chart = new Chart(new App(), 'c');
    expect(() => RoutingApiSetting.use(new Construct(chart, 'group'), RoutingApi.GATEWAY_API))
      .toThrow(`[RoutingApiSetting.use] scope: 'c/group' is not an App or a Chart. ${fix}`);
    // A construct that looks like a chart's child but is not in a tree: refused on its scope.
    expect(() => RoutingApiSetting.use({ node: { path: 'x', children: [], setContext: () => undefined, scope: {} } } as any, RoutingApi.ISTIO))
      .toThrow("scope: 'x' is not an App or a Chart");
  });

  test('a scope that already has constructs fails, naming the first three and the scope (the app by that word)', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'shop' });
    for (const id of ['a', 'b', 'd', 'e']) { new Construct(chart, id); }
    expect(() => RoutingApiSetting.use(chart, RoutingApi.GATEWAY_API)).toThrow(
      "[RoutingApiSetting.use] scope: 'c' already has constructs (a, b, d), which were made for the routing API in force when they were added. "
      + 'Choose the routing API first, right after creating the App or Chart');
    expect(() => RoutingApiSetting.use(app, RoutingApi.GATEWAY_API)).toThrow("scope: '(the app)' already has constructs (c), which were made");
    expect(RoutingApiSetting.of(chart)).toBe(RoutingApi.ISTIO);
    const one = new Chart(new App(), 'one', { namespace: 'shop' });
    web(one);
    // The library's own children (the model, the checks) are not named: the user's are.
    expect(() => RoutingApiSetting.use(one, RoutingApi.ISTIO)).toThrow("scope: 'one' already has constructs (web), which");
    expect(() => RoutingApiSetting.use(one.node.scope as App, RoutingApi.ISTIO)).toThrow("scope: '(the app)' already has constructs (one), which");
  });

  test('after Analysis.enableFor, whose checks are the first child, the message says so', () => {
    const chart = new Chart(new App(), 'c', { namespace: 'shop' });
    Analysis.enableFor(chart);
    expect(chart.node.children.map(c => c.node.id)).toEqual(['IstioTrafficChecks']);
    expect(() => RoutingApiSetting.use(chart, RoutingApi.GATEWAY_API)).toThrow(
      "[RoutingApiSetting.use] scope: 'c' already has the checks that Analysis.enableFor adds, and a scope takes its routing API only before its first child. "
      + 'Choose the routing API first, right after creating the App or Chart, then call Analysis.enableFor');
    // In the right order, both hold.
    const ordered = new Chart(new App(), 'c', { namespace: 'shop' });
    RoutingApiSetting.use(ordered, RoutingApi.GATEWAY_API);
    Analysis.enableFor(ordered);
    web(ordered);
    expect(Testing.synth(ordered).map(o => o.kind)).toContain('HTTPRoute');
  });

  test('of() of something that is not a construct fails, naming it', () => {
    const cases: Array<[any, string]> = [
      [null, 'null'], [undefined, 'undefined'], ['c', "'c'"], [{}, '{}'], [{ node: null }, '{"node":null}'],
      [{ node: 'c' }, '{"node":"c"}'], [{ node: {} }, '{"node":{}}'], [{ node: { tryGetContext: 1 } }, '{"node":{"tryGetContext":1}}'],
    ];
    for (const [scope, shown] of cases) {
      expect(() => RoutingApiSetting.of(scope)).toThrow(`[RoutingApiSetting.of] scope: ${shown} is not a construct. Pass a construct of the app`);
    }
    expect(RoutingApiSetting.of({ node: { tryGetContext: () => undefined } } as any)).toBe(RoutingApi.ISTIO);
  });

  test('a context value set by hand that is not a RoutingApi fails where it is read', () => {
    const odd = new Chart(Testing.app(), 'odd', { namespace: 'shop' });
    odd.node.setContext('cdk8s-istio-traffic:routingApi', 'gamma');
    expect(() => RoutingApiSetting.of(odd)).toThrow(/\[odd\] context 'cdk8s-istio-traffic:routingApi': 'gamma' is not a RoutingApi/);
    expect(() => web(odd)).toThrow(/context 'cdk8s-istio-traffic:routingApi': 'gamma' is not a RoutingApi/);
  });
});
