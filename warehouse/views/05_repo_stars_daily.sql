-- repo_stars_daily (issue "star history"): repo_star_values with the repo's current name.
-- One row per repo per day from its first star to the GitHub as-of date; basis says where each value comes
-- from: observed | bridged | reconstructed | missing (stars NULL). See repo_star_values for the rules.

create or replace view repo_stars_daily as
select v.repo_id, r.repo, v.day, v.stars, v.basis, v.as_of
from repo_star_values v
left join github_repos r on r.repo_id = v.repo_id;

comment on view repo_stars_daily is 'One row per repo per day from its first star to the GitHub as-of date, with the current name: stars observed that day, bridged from a snapshot at most 3 days earlier, reconstructed from star history before the first snapshot (meeting it exactly), or missing (NULL); basis names which.';

comment on column repo_stars_daily.repo_id is 'GitHub''s numeric repo id (stable across renames).';
comment on column repo_stars_daily.repo is 'The repo''s current owner/name (github_repos); NULL when the id has no github_repos row.';
comment on column repo_stars_daily.day is 'A UTC day from the repo''s first star (or its first snapshot, if that is earlier or there is no star history) to the GitHub as-of date.';
comment on column repo_stars_daily.stars is 'The repo''s stars that day as basis says; NULL (never 0) when basis is missing.';
comment on column repo_stars_daily.basis is 'observed (a snapshot that day), bridged (the latest snapshot, at most 3 days earlier), reconstructed (before the first snapshot: the first observed total minus the stars added after the day) or missing (stars NULL).';
comment on column repo_stars_daily.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
