import { App } from 'cdk8s';
import { buildFleetman } from './app';

const app = new App();
buildFleetman(app);
app.synth();
