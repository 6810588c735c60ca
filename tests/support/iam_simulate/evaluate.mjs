// Decides AWS requests against identity policies with @cloud-copilot/iam-simulate, which also
// checks each request's resource ARN against the resource types AWS lists for its action.
// stdin:  {"principal": ARN, "account": id, "jobs": [{"policy": {...}, "requests": [{"action", "resource"}]}]}
// stdout: one list per job, one {"decision": "Allowed" | "ImplicitlyDenied" | ...} or
//         {"error": {...}} (a request or policy the evaluator refused) per request.
import { runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'))

const answers = []
for (const job of input.jobs) {
  const decisions = []
  for (const request of job.requests) {
    const simulation = {
      request: {
        principal: input.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: input.account },
        contextVariables: {},
      },
      identityPolicies: [{ name: 'role', policy: job.policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }
    const result = await runSimulation(simulation, {})
    decisions.push(
      result.resultType === 'error' ? { error: result.errors } : { decision: result.overallResult },
    )
  }
  answers.push(decisions)
}
process.stdout.write(JSON.stringify(answers))
