-- region_growth: total GitHub stars per region per day, from the first day any tracked repo has a value
-- to the GitHub as-of date.
-- A repo is tracked when an entity lists it (entity_repos); it counts once in each region of its
-- entities, and once in the all-regions total that `share` divides by (so shares can add up to more than
-- 1 when a repo belongs to entities of two regions). A day adds up the repos that have a value that day in
-- repo_star_values (observed, bridged or reconstructed), reading its three parts (the snapshots,
-- repo_star_gaps, repo_star_reconstructed) separately. repos_uncounted is the region's tracked repos that
-- exist that day but have no value (missing, or before the first snapshot without star history): the repos
-- created on or before the day (created_at as a UTC day; unknown created_at: from the first snapshot day,
-- or the first star of its history when that is earlier) minus repos_counted, from a running count of
-- creation days per region (no repo x day grid). stars (and share, basis) is NULL, never 0, on a day when
-- none of the region's repos has a value. share divides by the all-regions total of the repos that have a
-- value; complete is true when no tracked repo of any region is uncounted that day (else share is over a
-- partial set). basis is 'includes reconstructed' when any added value was reconstructed, else 'observed'
-- (bridged days count as observed; repos_bridged shows how many).

create or replace view region_growth as
with as_of as (
    select as_of from as_of_dates where source = 'github'
),

repo_regions as (   -- each tracked repo once per region
    select distinct er.repo_id, e.region
    from entity_repos er
    join entities e on e.entity_key = er.entity_key
),

repo_groups as (   -- repos with the same set of regions share a group, so each repo-day is read once
    select repo_id, dense_rank() over (order by regions) as group_id
    from (select repo_id, list(region order by region) as regions from repo_regions group by repo_id)
),

group_regions as (
    select distinct g.group_id, r.region
    from repo_groups g
    join repo_regions r on r.repo_id = g.repo_id
),

-- repo_star_values summed per group and day, its three parts read separately: much cheaper than reading
-- the union, whose observed rows need no basis test
observed_days as (
    select
        g.group_id,
        s.snapshot_date as day,
        sum(s.stars)::bigint as stars,
        count(*) as repos_counted,
        0 as repos_bridged,
        0 as repos_reconstructed
    from github_repo_snapshots s
    join repo_groups g on g.repo_id = s.repo_id
    group by g.group_id, s.snapshot_date
),

gap_days as (   -- stars is NULL exactly on missing days
    select
        g.group_id,
        v.day,
        sum(v.stars)::bigint as stars,
        count(v.stars) as repos_counted,
        count(v.stars) as repos_bridged,
        0 as repos_reconstructed
    from repo_star_gaps v
    join repo_groups g on g.repo_id = v.repo_id
    group by g.group_id, v.day
),

reconstructed_days as (
    select
        g.group_id,
        v.day,
        sum(v.stars)::bigint as stars,
        count(*) as repos_counted,
        0 as repos_bridged,
        count(*) as repos_reconstructed
    from repo_star_reconstructed v
    join repo_groups g on g.repo_id = v.repo_id
    group by g.group_id, v.day
),

group_days as (
    select
        group_id,
        day,
        sum(stars)::bigint as stars,
        sum(repos_counted)::bigint as repos_counted,
        sum(repos_bridged)::bigint as repos_bridged,
        sum(repos_reconstructed)::bigint as repos_reconstructed
    from (
        select * from observed_days
        union all
        select * from gap_days
        union all
        select * from reconstructed_days
    )
    group by group_id, day
),

all_regions as (
    select day, sum(stars)::bigint as stars, sum(repos_counted)::bigint as repos_counted
    from group_days
    group by day
),

region_days as (
    select
        r.region,
        d.day,
        sum(d.stars)::bigint as stars,
        sum(d.repos_counted)::bigint as repos_counted,
        sum(d.repos_bridged)::bigint as repos_bridged,
        sum(d.repos_reconstructed)::bigint as repos_reconstructed
    from group_days d
    join group_regions r on r.group_id = d.group_id
    group by r.region, d.day
),

first_day as (
    select min(day) as first_day from group_days where repos_counted > 0
),

unknown_created as (   -- tracked repos without created_at: they exist from their first value
    select g.repo_id
    from repo_groups g
    join github_repos r on r.repo_id = g.repo_id
    where r.created_at is null
    union all
    select g.repo_id
    from repo_groups g
    anti join github_repos r on r.repo_id = g.repo_id
),

unknown_starts as (
    select u.repo_id, least(s.first_snapshot, h.first_star) as start_day
    from unknown_created u
    left join (
        select repo_id, min(snapshot_date) as first_snapshot
        from github_repo_snapshots
        where repo_id in (select repo_id from unknown_created)
        group by repo_id
    ) s on s.repo_id = u.repo_id
    left join (
        select repo_id, min(day) filter (where stars_added > 0) as first_star
        from github_star_history
        where repo_id in (select repo_id from unknown_created)
        group by repo_id
    ) h on h.repo_id = u.repo_id and s.first_snapshot is not null   -- no snapshot: no value ever
),

repo_starts as (   -- the day each tracked repo exists from (NULL: never, as far as the data knows)
    select g.repo_id, coalesce((r.created_at at time zone 'UTC')::date, u.start_day) as start_day
    from repo_groups g
    left join github_repos r on r.repo_id = g.repo_id
    left join unknown_starts u on u.repo_id = g.repo_id
),

region_creations as (   -- repos per region by start day; days before the calendar fold into its first day
    select r.region, greatest(s.start_day, f.first_day) as day, count(*) as repos
    from repo_starts s
    join repo_regions r on r.repo_id = s.repo_id
    cross join first_day f
    where s.start_day is not null
    group by all
),

all_creations as (
    select greatest(s.start_day, f.first_day) as day, count(*) as repos
    from repo_starts s
    cross join first_day f
    where s.start_day is not null
    group by all
),

calendar as (   -- every region (that has tracked repos) times every day from the first value to the as-of
    select r.region, unnest(range(f.first_day, a.as_of + 1, interval 1 day))::date as day
    from (select distinct region from repo_regions) r
    cross join first_day f
    cross join as_of a
),

region_existing as (   -- running count of the region's repos created on or before the day
    select
        c.region,
        c.day,
        sum(coalesce(n.repos, 0)) over (partition by c.region order by c.day) as repos_existing
    from calendar c
    left join region_creations n on n.region = c.region and n.day = c.day
),

all_days as (   -- the same over all tracked repos (each once), with how many have no value
    select
        d.day,
        t.stars,
        sum(coalesce(n.repos, 0)) over (order by d.day) - coalesce(t.repos_counted, 0) as repos_uncounted
    from (select distinct day from calendar) d
    left join all_creations n on n.day = d.day
    left join all_regions t on t.day = d.day
)

select
    c.region,
    c.day,
    case when coalesce(d.repos_counted, 0) > 0 then d.stars end as stars,
    coalesce(d.repos_counted, 0) as repos_counted,
    greatest(c.repos_existing - coalesce(d.repos_counted, 0), 0)::bigint as repos_uncounted,
    coalesce(d.repos_bridged, 0) as repos_bridged,
    case when coalesce(d.repos_counted, 0) > 0 then round(d.stars / nullif(t.stars, 0), 4) end as share,
    t.repos_uncounted <= 0 as complete,
    case
        when d.repos_reconstructed > 0 then 'includes reconstructed'
        when d.repos_counted > 0 then 'observed'
    end as basis,
    a.as_of
from region_existing c
cross join as_of a
left join region_days d on d.region = c.region and d.day = c.day
left join all_days t on t.day = c.day;

comment on view region_growth is 'Stars per region per day from the first day any tracked repo has a value to the GitHub as-of date: the sum of repo_star_values over the repos of the region that have a value that day (each repo once per region, once in the all-regions total that share divides by); stars is NULL when none has one; repos_uncounted: the region''s repos created by the day without a value; complete: no tracked repo of any region is uncounted that day.';

comment on column region_growth.region is 'The region (CN, US, EU, other) of the entities tracking the repos.';
comment on column region_growth.day is 'A UTC day from the first day any tracked repo has a value to the GitHub as-of date.';
comment on column region_growth.stars is 'Stars that day summed over the region''s tracked repos with a value (observed, bridged or reconstructed; each repo once per region); NULL, never 0, when none has one.';
comment on column region_growth.repos_counted is 'How many of the region''s tracked repos have a value that day (added up in stars).';
comment on column region_growth.repos_uncounted is 'How many of the region''s tracked repos exist that day (created on or before it; unknown creation: from the first snapshot, or the first history star if earlier) but have no value.';
comment on column region_growth.repos_bridged is 'How many counted repos have a bridged value that day (a snapshot 1 to 3 days old).';
comment on column region_growth.share is 'stars / the stars of all tracked repos with a value that day (each repo once), 4 decimals; NULL when stars is NULL. Shares add up to more than 1 when a repo belongs to entities of two regions.';
comment on column region_growth.complete is 'True when no tracked repo of any region is uncounted that day; false: share is over a partial set.';
comment on column region_growth.basis is 'includes reconstructed when any added value came from star history, else observed (bridged values count as observed); NULL when no repo was counted.';
comment on column region_growth.as_of is 'The GitHub as-of date: the newest snapshot_date in github_repo_snapshots (NULL before the first snapshot).';
