// Reads [{name, documents, action, resource, context}] as JSON on stdin and prints
// [{name, decision | error}] as decided by @cloud-copilot/iam-simulate (run by bench/iam_eval_differential.py).
import { runSimulation } from '@cloud-copilot/iam-simulate'

const DECISIONS = { Allowed: 'allow', ExplicitlyDenied: 'explicit-deny', ImplicitlyDenied: 'implicit-deny' }
const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const results = []
for (const c of cases) {
  const simulation = {
    identityPolicies: c.documents.map((policy, i) => ({ name: `policy${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      action: c.action,
      principal: 'arn:aws:iam::111122223333:role/under-test',
      resource: { accountId: '111122223333', resource: c.resource },
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
