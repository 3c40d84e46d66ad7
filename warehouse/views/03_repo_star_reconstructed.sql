-- repo_star_reconstructed: a repo's stars on the days before its first snapshot, from github_star_history.
-- stars(D) = the first observed total - the stars added on days d with D < d <= the first observed day,
-- floored at 0, so the curve meets the first observed point exactly. The days run from the repo's first star
-- (its first history day with stars_added > 0, or its creation day if later) to the day before its first
-- snapshot; a history day's value holds until the next history day (history may skip days).

create or replace view repo_star_reconstructed as
with as_of as (
    select as_of from as_of_dates where source = 'github'
),

history_starts as (
    select repo_id, min(day) filter (where stars_added > 0) as first_star_day
    from github_star_history
    group by repo_id
),

first_snapshots as (   -- only for repos with star history
    select s.repo_id, min(s.snapshot_date) as first_day, arg_min(s.stars, s.snapshot_date) as first_stars
    from github_repo_snapshots s
    join history_starts h on h.repo_id = s.repo_id
    group by s.repo_id
),

bounds as (   -- repos whose first star comes before their first snapshot
    select f.repo_id, f.first_day, f.first_stars, s.start_day
    from first_snapshots f
    join (
        select h.repo_id, greatest(h.first_star_day, (r.created_at at time zone 'UTC')::date) as start_day
        from history_starts h
        left join github_repos r on r.repo_id = h.repo_id
        where h.first_star_day is not null   -- history without any star: the series starts at the snapshot
    ) s on s.repo_id = f.repo_id
    where s.start_day < f.first_day
),

history as (   -- history days up to the first snapshot day
    select
        b.repo_id,
        b.start_day,
        b.first_day,
        b.first_stars,
        h.day,
        lead(h.day) over (partition by b.repo_id order by h.day) as next_day,
        -- one running total across all repos (repo by repo): much cheaper than one window per repo
        (sum(h.stars_added) over (
            order by b.repo_id, h.day rows between unbounded preceding and current row
        ))::bigint as running_added
    from bounds b
    join github_star_history h on h.repo_id = b.repo_id and h.day <= b.first_day
),

ends as (   -- the running total at each repo's last history day
    select repo_id, arg_max(running_added, day) as end_added
    from history
    group by repo_id
),

points as (   -- each history day: the stars added after it, up to the first snapshot day
    select h.*, e.end_added - h.running_added as added_after
    from history h
    join ends e on e.repo_id = h.repo_id
)

select
    p.repo_id,
    date '1970-01-01' + unnest(range(
        (greatest(p.day, p.start_day) - date '1970-01-01')::integer,
        (least(coalesce(p.next_day, p.first_day), p.first_day) - date '1970-01-01')::integer
    ))::integer as day,
    greatest(p.first_stars - p.added_after, 0)::bigint as stars,
    'reconstructed' as basis,
    a.as_of
from points p
cross join as_of a
where p.day < p.first_day;

comment on view repo_star_reconstructed is 'Stars of a repo on each day from its first star to the day before its first snapshot, reconstructed from star history as the first observed total minus the stars added after the day up to the first observed day, floored at 0.';

comment on column repo_star_reconstructed.repo_id is 'GitHub''s numeric repo id (stable across renames).';
comment on column repo_star_reconstructed.day is 'A day from the repo''s first star (its first star-history day with stars_added > 0, or its creation day if later) to the day before its first snapshot.';
comment on column repo_star_reconstructed.stars is 'The first observed total minus the stars added (github_star_history) after the day up to the first snapshot day, floored at 0.';
comment on column repo_star_reconstructed.basis is 'Always reconstructed (from star history).';
comment on column repo_star_reconstructed.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
