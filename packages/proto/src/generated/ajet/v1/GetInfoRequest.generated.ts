// Original file: ajet/v1/backend.proto


export interface WireGetInfoRequest {
}

export interface WireGetInfoRequestDecoded {
}
