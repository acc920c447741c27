/**
 * The organization id of events that belong to no tenant, e.g. a failed client authentication
 * with a client_id nobody owns. The nil UUID (RFC 9562 §5.9): no organization can have it, so the
 * events never appear in any tenant's audit log, while operators still find them under this id.
 */
export const PLATFORM_ORGANIZATION_ID = '00000000-0000-0000-0000-000000000000';
