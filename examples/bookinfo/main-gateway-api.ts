import { App } from 'cdk8s';
import { RoutingApi, RoutingApiSetting } from 'cdk8s-istio-traffic';
import { buildBookinfoGatewayApi } from './app';

// The same states, written as Kubernetes Gateway API (the states Gateway API can say; see buildBookinfoGatewayApi).
const app = new App();
RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
buildBookinfoGatewayApi(app);
app.synth();
