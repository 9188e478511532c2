import { App } from 'cdk8s';
import { RoutingApi, RoutingApiSetting } from 'cdk8s-istio-traffic';
import { buildProductCatalogCanary } from './app';

// The same states, written as Kubernetes Gateway API (every state).
const app = new App();
RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
buildProductCatalogCanary(app);
app.synth();
