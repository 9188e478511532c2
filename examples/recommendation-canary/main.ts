import { App } from 'cdk8s';
import { buildRecommendationCanary } from './app';

const app = new App();
buildRecommendationCanary(app);
app.synth();
