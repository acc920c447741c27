import { Inject, Injectable } from '@nestjs/common';
import { POOL } from '@agentidp/nest-kit';
import type { Pool, Queryable } from '@agentidp/shared/db';
import type { OrganizationRecord } from './organizations.types';

interface OrganizationRow {
  org_id: string;
  name: string;
  slug: string;
  tier: string;
  status: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'org_id, name, slug, tier, status, created_at, updated_at';

/** SQL for `registry.organizations`. */
@Injectable()
export class OrganizationsRepository {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  async insert(
    db: Queryable,
    organization: { orgId: string; name: string; slug: string; createdAt: Date },
  ): Promise<OrganizationRecord> {
    const { rows } = await db.query<OrganizationRow>(
      `INSERT INTO registry.organizations (org_id, name, slug, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $4)
       RETURNING ${COLUMNS}`,
      [organization.orgId, organization.name, organization.slug, organization.createdAt],
    );
    return toOrganization(rows[0]!);
  }

  async find(orgId: string): Promise<OrganizationRecord | undefined> {
    const { rows } = await this.pool.query<OrganizationRow>(
      `SELECT ${COLUMNS} FROM registry.organizations WHERE org_id = $1`,
      [orgId],
    );
    return rows[0] ? toOrganization(rows[0]) : undefined;
  }
}

function toOrganization(row: OrganizationRow): OrganizationRecord {
  return {
    orgId: row.org_id,
    name: row.name,
    slug: row.slug,
    tier: row.tier,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
