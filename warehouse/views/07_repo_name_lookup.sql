-- repo_name_lookup: every owner/name a repo id has been seen under, lower-cased, mapped to one repo id.
-- Renames are followed (THUDM/GLM-4 and zai-org/GLM-4 both lead to the same id). When a name has been used
-- by two ids, the repo that carries it now wins, else the one seen under it most recently.

create or replace view repo_name_lookup as
with as_of as (
    select as_of from as_of_dates where source = 'github'
),

names as (
    select n.repo_id, lower(n.repo) as name, n.last_seen, false as is_current
    from github_repo_names n
    union all
    select repo_id, lower(repo) as name, last_seen, true as is_current
    from github_repos
),

ranked as (
    select
        name,
        repo_id,
        row_number() over (
            partition by name order by is_current desc, last_seen desc, repo_id
        ) as preference
    from names
)

select k.name, k.repo_id, r.repo, a.as_of
from ranked k
cross join as_of a
left join github_repos r on r.repo_id = k.repo_id
where k.preference = 1;

comment on view repo_name_lookup is 'Each lower-cased owner/name ever seen (github_repo_names, github_repos) with the one repo id it leads to: renames are followed; a name used by two ids goes to the repo that has it now, else the one seen under it last.';

comment on column repo_name_lookup.name is 'A lower-cased owner/name the repo id has been seen under (github_repo_names or github_repos).';
comment on column repo_name_lookup.repo_id is 'The one repo id the name leads to: the repo that carries the name now, else the one seen under it most recently.';
comment on column repo_name_lookup.repo is 'The repo''s current owner/name (github_repos); NULL when the id has no github_repos row.';
comment on column repo_name_lookup.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
