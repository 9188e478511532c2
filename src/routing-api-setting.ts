import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { fail } from './core/errors';
import { isRoutingApi, ROUTING_API_CONTEXT, RoutingApi, routingApiAt } from './core/routing-api';
import { isInternalChild } from './core/tree';

/**
 * Chooses the routing API of an app or a chart: the constructs take the same props either way.
 *
 * @example
 * const app = new App();
 * RoutingApiSetting.use(app, RoutingApi.GATEWAY_API); // before adding charts
 */
export class RoutingApiSetting {
  /**
   * Makes every chart under `scope` (an App or a Chart, before anything is added to it) write its
   * routing in `api`. A chart inside an app takes the chart's own setting before the app's.
   *
   * @param scope the App or the Chart, still without children
   * @param api the routing API
   */
  public static use(scope: IConstruct, api: RoutingApi): void {
    const where = 'RoutingApiSetting.use';
    const s: any = scope;
    if (s === null || typeof s !== 'object' || s.node === null || typeof s.node !== 'object' || !Array.isArray(s.node.children)
      || typeof s.node.setContext !== 'function' || (s.node.scope !== undefined && !Chart.isChart(s))) {
      fail(where, 'scope', s?.node?.path ?? s, 'is not an App or a Chart', 'Pass the App (every chart) or one Chart');
    }
    if (!isRoutingApi(api)) {
      fail(where, 'api', api, 'is not a RoutingApi', "Use RoutingApi.ISTIO, RoutingApi.GATEWAY_API or RoutingApi.GATEWAY_API_EXPERIMENTAL ('istio', 'gateway-api' or 'gateway-api-experimental')");
    }
    // A scope takes context only before its first child (constructs refuses it after): the user's
    // constructs are named, else the library's checks that Analysis.enableFor added.
    const own = scope.node.children.filter(c => !isInternalChild(c));
    const path = scope.node.path || '(the app)';
    if (own.length > 0) {
      fail(where, 'scope', path, `already has constructs (${own.map(c => c.node.id).slice(0, 3).join(', ')}), which were made for the routing API in force when they were added`,
        'Choose the routing API first, right after creating the App or Chart');
    }
    if (scope.node.children.length > 0) {
      fail(where, 'scope', path, 'already has the checks that Analysis.enableFor adds, and a scope takes its routing API only before its first child',
        'Choose the routing API first, right after creating the App or Chart, then call Analysis.enableFor');
    }
    scope.node.setContext(ROUTING_API_CONTEXT, api);
  }

  /**
   * The routing API in force at `scope`: the nearest setting above it, else RoutingApi.ISTIO.
   *
   * @param scope any construct
   */
  public static of(scope: IConstruct): RoutingApi {
    const s: any = scope;
    if (s === null || typeof s !== 'object' || s.node === null || typeof s.node !== 'object' || typeof s.node.tryGetContext !== 'function') {
      fail('RoutingApiSetting.of', 'scope', s, 'is not a construct', 'Pass a construct of the app');
    }
    return routingApiAt(scope);
  }

  private constructor() {}
}
