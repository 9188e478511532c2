// Entry point `cdk8s-istio-traffic/jest`: importing it registers the routing matchers with jest.
module.exports = require('./lib/src/testing/jest');
