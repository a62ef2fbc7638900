import { decodeErrorDetail, ErrorCode, encodeErrorDetail } from '@ajet/proto';
import { BackboneError, BackboneRequestError } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { backendErrorCodes, errorDetailOf, errorFromDetail } from './backend-errors.ts';

describe('backend errors as data', () => {
  it('the code table is backend.proto’s ErrorCode, without UNSPECIFIED', () => {
    expect(Object.keys(backendErrorCodes)).toEqual(Object.keys(ErrorCode).slice(1));
    expect(backendErrorCodes.STATE_DAMAGED).toBe('STATE_DAMAGED');
  });

  it('a thrown error crosses the wire with its code, message, hint and retryable as raised', () => {
    const thrown = new BackboneRequestError('samples[0].advantage', '=NaN: expected a finite number');
    const detail = decodeErrorDetail(encodeErrorDetail(errorDetailOf(thrown) ?? {}));
    expect(detail).toEqual({
      code: 'BACKBONE_INVALID_REQUEST',
      message: 'samples[0].advantage=NaN: expected a finite number.',
      hint: thrown.hint,
      retryable: false,
    });
    const received = errorFromDetail({ detail: detail!, method: 'ForwardBackward', address: '127.0.0.1:1' });
    expect(received).toBeInstanceOf(BackboneError);
    expect(received).toMatchObject({ code: thrown.code, hint: thrown.hint, retryable: false, address: '127.0.0.1:1' });
    expect(received.message).toBe(
      `ForwardBackward failed: samples[0].advantage=NaN: expected a finite number. (127.0.0.1:1) ${thrown.hint}`,
    );
    const busy = new BackboneError('busy', { code: 'X_BUSY', retryable: true });
    expect(errorDetailOf(busy)).toEqual({ code: 'X_BUSY', message: 'busy', hint: '', retryable: true });
    expect(errorDetailOf(new Error('a bug'))).toBeUndefined();
  });
});
