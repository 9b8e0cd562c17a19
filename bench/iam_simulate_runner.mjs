// Reads [{name, documents, action, resource, context}] as JSON on stdin and prints
// [{name, decision | error}] as decided by @cloud-copilot/iam-simulate (run by bench/iam_eval_differential.py).
import { runSimulation } from '@cloud-copilot/iam-simulate'

const DECISIONS = { Allowed: 'allow', ExplicitlyDenied: 'explicit-deny', ImplicitlyDenied: 'implicit-deny' }
const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const results = []
for (const c of cases) {
  const account = c.resource.split(':')[4] || '111122223333'
  const simulation = {
    identityPolicies: c.documents.map((policy, i) => ({ name: `policy${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    // KMS: the default key policy, which lets the account's IAM policies grant use of the key.
    ...(c.action.toLowerCase().startsWith('kms:') ? { resourcePolicy: { Version: '2012-10-17', Statement: [
      { Sid: 'EnableIamPolicies', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
    ] } } : {}),
    request: {
      action: c.action,
      principal: `arn:aws:iam::${account}:role/under-test`,
      resource: { accountId: account, resource: c.resource },
      contextVariables: c.context,
    },
  }
  const response = await runSimulation(simulation, {})
  if (response.resultType === 'error') {
    results.push({ name: c.name, error: JSON.stringify(response.errors) })
  } else {
    results.push({ name: c.name, decision: DECISIONS[response.overallResult] ?? response.overallResult })
  }
}
process.stdout.write(JSON.stringify(results))
