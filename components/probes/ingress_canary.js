// CloudWatch Synthetics canary: one HTTPS GET of the active region's ingress /health (TARGET_HOST, TARGET_PATH).
// A status outside 2xx, a timeout or a refused connection fails the run; the canary's SuccessPercent falls.
const synthetics = require('Synthetics');

exports.handler = async function () {
  const hostname = process.env.TARGET_HOST;
  const path = process.env.TARGET_PATH || '/health';
  await synthetics.executeHttpStep('ingress health', {
    hostname: hostname,
    method: 'GET',
    path: path,
    port: 443,
    protocol: 'https:',
    headers: { 'User-Agent': synthetics.getCanaryUserAgentString() },
  });
};
