-- repo_star_values: the daily star series of every repo by id, the engine of repo_stars_daily. One row
-- per repo per day from its first star to the GitHub as-of date, labelled:
--   observed       a snapshot of that day (github_repo_snapshots);
--   bridged        no snapshot that day, the latest one at most 3 days earlier (repo_star_gaps);
--   missing        no snapshot that day nor in the 3 days before: stars NULL, never 0 (repo_star_gaps);
--   reconstructed  before the first snapshot, from star history (repo_star_reconstructed).
-- A repo's first star is its first history day with stars_added > 0 (or its creation day, if later);
-- without such a day, or when the first snapshot comes earlier, the series starts at the first snapshot.
-- Repos without any snapshot have no rows: there is no observed total to reconstruct from.

create or replace view repo_star_values as
with as_of as (
    select as_of from as_of_dates where source = 'github'
),

observed as (
    select s.repo_id, s.snapshot_date as day, s.stars, 'observed' as basis, a.as_of
    from github_repo_snapshots s
    cross join as_of a
)

select * from observed
union all
select * from repo_star_gaps
union all
select * from repo_star_reconstructed;

comment on view repo_star_values is 'Daily stars per repo id from its first star to the GitHub as-of date: the snapshot of the day (observed), else the latest snapshot at most 3 days earlier (bridged), else NULL (missing); days before the first snapshot are reconstructed from star history as the first observed total minus the stars added after the day, floored at 0.';

comment on column repo_star_values.repo_id is 'GitHub''s numeric repo id (stable across renames).';
comment on column repo_star_values.day is 'A UTC day from the repo''s first star (or its first snapshot, if that is earlier or there is no star history) to the GitHub as-of date.';
comment on column repo_star_values.stars is 'The repo''s stars that day as basis says; NULL (never 0) when basis is missing.';
comment on column repo_star_values.basis is 'observed (a snapshot that day), bridged (the latest snapshot, at most 3 days earlier), missing (no snapshot that day nor in the 3 days before) or reconstructed (before the first snapshot, from star history).';
comment on column repo_star_values.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
