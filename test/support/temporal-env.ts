// The orchestration tests' Temporal: the running dev server (`temporal up`), with the SDK's logs silenced,
// and workflow bundles made without the bundler's chatter.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { temporalAddress, temporalNamespace } from '../../src/temporal/config';

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export async function testEnvironment(): Promise<TestWorkflowEnvironment> {
  try { Runtime.install({ logger: silent }); } catch { /* installed */ }
  return TestWorkflowEnvironment.createFromExistingServer({ address: temporalAddress(), namespace: temporalNamespace() });
}

/** A bundle of the workflows a test module exports (the real ones, or stand-ins beside them). */
export function bundleOf(workflowsPath: string): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger: silent as never });
}
