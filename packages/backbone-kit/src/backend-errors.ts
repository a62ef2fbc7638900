import { ErrorCode, type WireErrorDetail, type WireErrorDetailDecoded } from '@ajet/proto/wire';
import { BackboneError, isAjetError } from '@ajet/spec';

export type BackendErrorCode = Exclude<keyof typeof ErrorCode, 'ERROR_CODE_UNSPECIFIED'>;

/**
 * The codes a backend server raises, by name: backend.proto's `ErrorCode`, read from the generated types (the
 * Python backend reads the same enum from its stubs), so both languages raise from one table.
 */
export const backendErrorCodes = Object.fromEntries(
  Object.keys(ErrorCode)
    .filter((name) => name !== ErrorCode.ERROR_CODE_UNSPECIFIED)
    .map((name) => [name, name]),
) as { readonly [Code in BackendErrorCode]: Code };

/** The hint every server gives with STATE_NAME_INVALID (the Python backend's state_root.py says the same). */
export const stateNameHint =
  'SaveState/LoadState take a relative name under the server’s --state-root, e.g. run-1/step-3.';

/** The ErrorDetail a server sends for what its backbone threw; undefined for an error with no code (a bug). */
export function errorDetailOf(error: unknown): WireErrorDetail | undefined {
  if (!isAjetError(error)) return undefined;
  const hint = error.hint ?? '';
  // AjetError appends the hint to the message; the detail carries the two apart.
  const message = hint && error.message.endsWith(` ${hint}`) ? error.message.slice(0, -hint.length - 1) : error.message;
  return { code: error.code, message, hint, retryable: error instanceof BackboneError && error.retryable };
}

/** What a client throws for a server's ErrorDetail: the code, message and hint the server raised, as raised. */
export function errorFromDetail(options: {
  detail: WireErrorDetailDecoded;
  /** The RPC that failed, named first in the message. */
  method: string;
  address?: string;
  cause?: unknown;
}): BackboneError {
  const { detail, method, address, cause } = options;
  return new BackboneError(`${method} failed: ${detail.message}`, {
    code: detail.code,
    hint: detail.hint || undefined,
    retryable: detail.retryable,
    address,
    cause,
  });
}
