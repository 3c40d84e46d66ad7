-- star_bursts_between(from_day, to_day): star-burst alerts, the days in (from_day, to_day] on which a
-- tracked repo gained more stars than its own recent history explains.
-- A day's gain is the change of the observed total since the previous snapshot (basis 'observed'; after a
-- gap it spans `days_spanned` days) or, up to the repo's first snapshot, the stars added that day in its
-- star history (basis 'history': a day without a row added 0; the series starts at its first star).
-- The baseline is the median and the MAD (median absolute deviation) of the one-day gains known in the 28
-- days before the gain's first day. The gain is a burst when
--     excess = gain - days_spanned * median  >  6 * sigma * sqrt(days_spanned)  and  excess >= 50,
-- sigma = greatest(1.4826 * MAD, sqrt(median), 1): a robust standard deviation, never below the Poisson
-- noise of the median, so a flat series does not alert on one extra star; 50 stars is the minimum size.
-- A gain is judged only with at least 7 known baseline days (a repo's first week is never judged: its
-- launch is what is known); with fewer than 28 the note says 'first weeks: N known days', after a gap
-- 'after a gap: gain over N days'. baseline = days_spanned * median (the gain history explains).

create or replace macro star_bursts_between(from_day, to_day) as table
with bounds as (
    select from_day::date as from_day, to_day::date as to_day, from_day::date - 28 - 90 as lookback
),

tracked as (
    select distinct repo_id from entity_repos
),

snapshots as (
    select s.repo_id, s.snapshot_date as day, s.stars
    from github_repo_snapshots s
    cross join bounds b
    where s.repo_id in (select repo_id from tracked) and s.snapshot_date <= b.to_day
),

first_snapshots as (
    select repo_id, min(day) as first_day from snapshots group by repo_id
),

observed as (   -- the change since the previous snapshot, on the snapshot's day
    select repo_id, day, gain, days_spanned, 'observed' as basis
    from (
        select
            repo_id,
            day,
            stars - lag(stars) over (partition by repo_id order by day) as gain,
            (day - lag(day) over (partition by repo_id order by day))::integer as days_spanned
        from snapshots
        where day >= (select lookback from bounds)
    )
    where gain is not null
),

history_starts as (   -- star history: from the first star to the first snapshot day
    select h.repo_id, min(h.day) as first_star, f.first_day
    from github_star_history h
    join first_snapshots f on f.repo_id = h.repo_id
    where h.stars_added > 0
    group by h.repo_id, f.first_day
),

history_days as (
    select
        s.repo_id,
        unnest(range(greatest(s.first_star, b.lookback), least(s.first_day, b.to_day) + 1, interval 1 day))::date
            as day
    from history_starts s
    cross join bounds b
),

history as (
    select d.repo_id, d.day, coalesce(h.stars_added, 0) as gain, 1 as days_spanned, 'history' as basis
    from history_days d
    left join github_star_history h on h.repo_id = d.repo_id and h.day = d.day
),

gains as (
    select * from observed
    union all
    select * from history
),

candidates as (
    select g.*
    from gains g
    cross join bounds b
    where g.day > b.from_day and g.day <= b.to_day
),

window_days as (   -- the one-day gains known in the 28 days before the candidate's first day
    select c.repo_id, c.day, k.gain
    from candidates c
    join gains k
        on k.repo_id = c.repo_id and k.days_spanned = 1
        and k.day between c.day - c.days_spanned - 27 and c.day - c.days_spanned
),

medians as (
    select repo_id, day, median(gain) as median_gain, count(*) as baseline_days
    from window_days
    group by repo_id, day
),

mads as (
    select w.repo_id, w.day, median(abs(w.gain - m.median_gain)) as mad
    from window_days w
    join medians m on m.repo_id = w.repo_id and m.day = w.day
    group by w.repo_id, w.day
),

judged as (
    select
        c.repo_id,
        c.day,
        c.gain,
        c.days_spanned,
        c.basis,
        m.median_gain,
        d.mad,
        m.baseline_days,
        c.days_spanned * m.median_gain as baseline,
        greatest(1.4826 * d.mad, sqrt(m.median_gain), 1.0) as sigma
    from candidates c
    join medians m on m.repo_id = c.repo_id and m.day = c.day
    join mads d on d.repo_id = c.repo_id and d.day = c.day
    where m.baseline_days >= 7
)

select
    j.repo_id,
    r.repo,
    j.day,
    j.gain as stars_added,
    round(j.baseline, 1) as baseline,
    round(j.gain - j.baseline, 1) as excess,
    round(j.median_gain, 1) as median,
    round(j.mad, 1) as mad,
    j.baseline_days,
    j.days_spanned,
    'gain - days x median > 6 x max(1.4826 x MAD, sqrt(median), 1) x sqrt(days) and >= 50 stars; '
        || 'median and MAD of the one-day gains of the previous 28 days' as rule,
    nullif(concat_ws('; ',
        case when j.baseline_days < 28 then 'first weeks: ' || j.baseline_days || ' known days' end,
        case when j.days_spanned > 1 then 'after a gap: gain over ' || j.days_spanned || ' days' end
    ), '') as note,
    j.basis
from judged j
left join github_repos r on r.repo_id = j.repo_id
where j.gain - j.baseline > 6 * j.sigma * sqrt(j.days_spanned)
  and j.gain - j.baseline >= 50
order by j.day, j.repo_id;

comment on macro table star_bursts_between is 'Table macro star_bursts_between(from_day, to_day): star-burst alerts, days in (from_day, to_day] whose gain (observed change, or star history before the first snapshot) exceeds days x median of the previous 28 days'' one-day gains by more than 6 x max(1.4826 x MAD, sqrt(median), 1) x sqrt(days) and by at least 50 stars; needs 7 known baseline days; note says first weeks or after a gap.';
