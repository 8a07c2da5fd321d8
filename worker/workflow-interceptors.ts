// Workflow interceptors, bundled with the workflows (bundleWorkflows, Worker interceptors.workflowModules):
// each workflow's end is reported to the worker's metrics (worker/telemetry.ts) through a sink, which is
// not called during replay. The workflows themselves know nothing of it.
import { proxySinks, workflowInfo, type Sinks, type WorkflowExecuteInput, type WorkflowInboundCallsInterceptor, type WorkflowInterceptors, type Next } from '@temporalio/workflow';
import { outcomeOfError, outcomeOfResult, type WorkflowEnded } from './outcome';

export interface MhaflowSinks extends Sinks {
  mhaflowMetrics: { workflowEnded(ended: WorkflowEnded): void };
}

const { mhaflowMetrics } = proxySinks<MhaflowSinks>();

class OutcomeInterceptor implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const info = workflowInfo();
    const cluster = (input.args[0] as { cluster?: unknown } | undefined)?.cluster;
    const base = { workflow: info.workflowType, cluster: typeof cluster === 'string' ? cluster : null };
    const ms = () => Date.now() - info.runStartTime.getTime();
    try {
      const result = await next(input);
      mhaflowMetrics.workflowEnded({ ...base, outcome: outcomeOfResult(result), ms: ms() });
      return result;
    } catch (e) {
      const outcome = outcomeOfError(e);
      if (outcome) mhaflowMetrics.workflowEnded({ ...base, outcome, ms: ms() });
      throw e;
    }
  }
}

export const interceptors = (): WorkflowInterceptors => ({ inbound: [new OutcomeInterceptor()] });
