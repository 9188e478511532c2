import { App } from 'cdk8s';
import { buildBffRecommendation } from './app';

const app = new App();
buildBffRecommendation(app);
app.synth();
