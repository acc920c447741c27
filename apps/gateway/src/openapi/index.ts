/**
 * `@agentidp/gateway/openapi`: the gateway's OpenAPI document and the test-mode response check,
 * an entry of its own so a process that only runs the gateway never loads the validator.
 */
export { buildOpenApiDocument, serializeOpenApiDocument } from './document';
export {
  checkResponses,
  ResponseMismatchError,
  ResponseValidator,
  type Exchange,
} from './response-validator';
export { allOperations, type Operation } from './operations';
