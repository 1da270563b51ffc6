/**
 * The coded error a call ends in, for tests that assert on its code and summary: anything else it throws is
 * passed on, and a call that does not fail fails the test.
 */
import { isCspSeatsError, type CspSeatsError } from "../../provider/core/errors";

/** Awaits `promise` and returns the CspSeatsError it rejects with; throws when it resolves or rejects otherwise. */
export async function getRejection(promise: Promise<unknown>): Promise<CspSeatsError> {
  try {
    await promise;
  } catch (error) {
    if (isCspSeatsError(error)) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

/** Calls `fn` and returns the CspSeatsError it throws; throws when it returns or throws otherwise. */
export function getRefusal(fn: () => unknown): CspSeatsError {
  try {
    fn();
  } catch (error) {
    if (isCspSeatsError(error)) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

/** Awaits `promise` and returns whatever it rejects with, typed as the coded error; throws when it resolves. */
export async function captureError(promise: Promise<unknown>): Promise<CspSeatsError> {
  try {
    await promise;
  } catch (error) {
    return error as CspSeatsError;
  }
  throw new Error("expected a failure");
}
