-- repo_stars_daily (issue "star history"): repo_star_values with the repo's current name.
-- One row per repo per day from its first star to the GitHub as-of date; basis says where each value comes
-- from: observed | bridged | reconstructed | missing (stars NULL). See repo_star_values for the rules.

create or replace view repo_stars_daily as
select v.repo_id, r.repo, v.day, v.stars, v.basis, v.as_of
from repo_star_values v
left join github_repos r on r.repo_id = v.repo_id;

comment on view repo_stars_daily is 'One row per repo per day from its first star to the GitHub as-of date, with the current name: stars observed that day, bridged from a snapshot at most 3 days earlier, reconstructed from star history before the first snapshot (meeting it exactly), or missing (NULL); basis names which.';
