-- Up Migration
-- Indexes for organizations with many agents (the scale check loads 1M agents into one org).
--
-- ListAgents with a filter (status, agent_type, owner, deployment_env): with only
-- agents_org_list_idx, a filter that matches few of the organization's agents (or none) makes
-- Postgres read the whole organization (at 1M agents: a parallel sequential scan and a sort,
-- ≈ 160 ms per page, on every page). One index per filter, in the list order, keeps each filtered
-- page a bounded index range: equality on the filter, then the keyset condition on
-- (created_at, agent_id). A request with several filters uses one of them and checks the others.
CREATE INDEX agents_org_status_list_idx
  ON registry.agents (organization_id, status, created_at DESC, agent_id DESC);
CREATE INDEX agents_org_type_list_idx
  ON registry.agents (organization_id, agent_type, created_at DESC, agent_id DESC);
CREATE INDEX agents_org_owner_list_idx
  ON registry.agents (organization_id, owner, created_at DESC, agent_id DESC);
CREATE INDEX agents_org_env_list_idx
  ON registry.agents (organization_id, deployment_env, created_at DESC, agent_id DESC);
-- CountAgents and the agent-limit check (countLimited): the agents that take a place, counted
-- from a small index (index-only scan) instead of the table. Same rule as countsTowardAgentLimit.
CREATE INDEX agents_org_limited_idx
  ON registry.agents (organization_id)
  WHERE role <> 'admin' AND status <> 'decommissioned';

-- Down Migration
DROP INDEX registry.agents_org_limited_idx;
DROP INDEX registry.agents_org_env_list_idx;
DROP INDEX registry.agents_org_owner_list_idx;
DROP INDEX registry.agents_org_type_list_idx;
DROP INDEX registry.agents_org_status_list_idx;
