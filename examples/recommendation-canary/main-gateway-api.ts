import { App } from 'cdk8s';
import { RoutingApi, RoutingApiSetting } from 'cdk8s-istio-traffic';
import { buildRecommendationCanary } from './app';

// The same states, written as Kubernetes Gateway API (every state; ambient-90-10 is the ambient form, routed by its waypoint).
const app = new App();
RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
buildRecommendationCanary(app);
app.synth();
