import { App } from 'cdk8s';
import { buildProductCatalogCanary } from './app';

const app = new App();
buildProductCatalogCanary(app);
app.synth();
