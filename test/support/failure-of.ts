// The domain error a promise rejects with, for tests that drive an adapter into a failure.
import { AwsError, CredentialsError } from '../../src/kind/errors.ts';

export async function failureOf(p: Promise<unknown>): Promise<AwsError | CredentialsError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AwsError || err instanceof CredentialsError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}
