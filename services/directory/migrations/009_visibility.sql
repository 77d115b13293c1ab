-- The network half of the one visibility rule (services/directory/visibility.py). A network
-- is open when it and every network above it are public; its lineage is itself and every
-- network above it (the networks whose subtree walks, widgets and address books show it).
CREATE FUNCTION directory.lineage(networks bigint[])
RETURNS TABLE (network bigint, lineage bigint[], open boolean)
LANGUAGE sql STABLE AS $$
  WITH RECURSIVE up AS (
      SELECT n.id AS start, n.id, n.parent_id, n.is_private, 0 AS depth
        FROM directory.networks n WHERE n.id = ANY(networks)
      UNION ALL
      SELECT up.start, n.id, n.parent_id, n.is_private, up.depth + 1
        FROM directory.networks n JOIN up ON n.id = up.parent_id
       WHERE up.depth < 32)
  SELECT start, array_agg(id ORDER BY depth), NOT bool_or(is_private) FROM up GROUP BY start
$$;

CREATE VIEW directory.network_lineage AS
SELECT network AS id, lineage, open
  FROM directory.lineage(ARRAY(SELECT id FROM directory.networks));

-- Whether a caller sees a network: it is open, the caller holds a permission on it
-- (`granted`; a permission holds for the networks below too), or the caller is an admin.
CREATE FUNCTION directory.sees(open boolean, network bigint, admin boolean, granted bigint[])
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT open OR admin OR network = ANY(granted)
$$;
